"""No false corrections: on labelled (sentence, sources, right source) pairs built from the
dev set (answer sentences that cite their gold paper) and the case that moved a right
citation to another paper, the check keeps every right citation."""

from __future__ import annotations

import json

from assistant.answer.citations import check_sentence
from assistant.answer.result import Source
from assistant.answer.support import lexical_support
from assistant.digest import load_digests
from tests.conftest import BUNDLED, TEST_DATA

PAIRS = [
    json.loads(line)
    for line in (TEST_DATA / "support_pairs.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def checked(pair: dict, load, marker: int) -> list[int]:
    by_key = {
        s["key"]: Source(s["key"], load.get(s["paper_id"]), s["text"]) for s in pair["sources"]
    }
    check = check_sentence(
        f"{pair['sentence']} [{marker}]", by_key, pair["lang"],
        support=lexical_support, min_support=0.35, question=pair["question"],
    )  # fmt: skip
    return check.cited


def test_no_right_citation_is_moved_to_another_paper() -> None:
    load = load_digests([BUNDLED])
    moved = [p["id"] for p in PAIRS if checked(p, load, p["correct"]) not in ([p["correct"]], [])]
    kept = [p["id"] for p in PAIRS if checked(p, load, p["correct"]) == [p["correct"]]]
    assert moved == []
    assert len(kept) >= 0.95 * len(PAIRS)


def test_the_recurrent_depth_answer_keeps_its_chinese_only_paper() -> None:
    pair = next(p for p in PAIRS if p["id"] == "issue-recurrent-depth")
    assert checked(pair, load_digests([BUNDLED]), 1) == [1]


def test_a_question_about_one_paper_adds_no_citation_to_another() -> None:
    # "What does the s1 paper's budget forcing do?": an uncited sentence on budget forcing
    # shares words with Sparsity Forcing's English text, but the question is about s1.
    load = load_digests([BUNDLED])
    s1, other = load.get("2501.19393"), load.get("h-296fc3af75a3")
    by_key = {
        1: Source(1, s1, s1.summary_zh),
        2: Source(2, other, "Sparsity Forcing optimizes a reward with multi-budget exploration "
                  "and budget forcing of reasoning tokens."),
    }  # fmt: skip
    sentence = "The budget forcing strategy can further enhance reasoning performance."
    about_s1 = check_sentence(
        sentence, by_key, "en", support=lexical_support, min_support=0.35,
        question="What does the s1 paper's budget forcing do?",
    )  # fmt: skip
    assert about_s1.cited == [] and about_s1.keep  # shown uncited in a report's line
    # Uncited and unsupported, it is not shown in an answer (strict), only flagged.
    strict = check_sentence(
        sentence, by_key, "en", support=lexical_support, min_support=0.35,
        question="What does the s1 paper's budget forcing do?", strict=True,
    )  # fmt: skip
    assert not strict.keep and strict.cited == []
    unnamed = check_sentence(
        sentence, by_key, "en", support=lexical_support, min_support=0.35,
        question="What does budget forcing do?",
    )  # fmt: skip
    assert unnamed.cited == [2]  # with no paper named, the backing source is cited


def test_a_co_citation_that_only_shares_a_few_words_goes() -> None:
    from assistant.digest.model import Paper

    rlp = Paper(paper_id="rlp", display_name="RLP", name_source="method")
    rm = Paper(paper_id="rm", display_name="ReasRMs", name_source="method")
    by_key = {
        1: Source(1, rlp, "在 Qwen3-1.7B 和 Nemotron-Nano-12B 上实验,显著提升多个数学与科学"
                  "基准的推理性能,尤其在 AIME25 和 MMLU-Pro 上表现最佳。"),
        2: Source(2, rm, "通过三个基准测试验证模型性能,推理奖励模型提升了奖励的可解释性。"),
    }  # fmt: skip
    sentence = "[1][2] 在 Nemotron-Nano-12B 上实验,显著提升多个数学与科学基准的推理性能。"
    check = check_sentence(
        sentence, by_key, "zh", support=lexical_support, min_support=0.2, question=""
    )
    assert check.cited == [1]
    # both cited and both named: each keeps its citation
    both = check_sentence(
        "RLP [1] 和 ReasRMs [2] 都提升了推理性能。", by_key, "zh",
        support=lexical_support, min_support=0.2, question="",
    )  # fmt: skip
    assert both.cited == [1, 2]
