"""Names written by code where the model used a marker as a name, on recorded raw answers in
both languages, and the check that counts empty name slots."""

from __future__ import annotations

import json

import pytest

from assistant.answer.citations import check_citations
from assistant.answer.names import name_markers
from assistant.answer.result import Source
from assistant.digest import Paper
from assistant.evals.metrics import has_empty_name_slot, names_a_paper
from tests.conftest import TEST_DATA

CASES = [
    json.loads(line)
    for line in (TEST_DATA / "raw_answers.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_recorded_answers_get_their_names(case) -> None:
    names = {int(k): v for k, v in case["names"].items()}
    named = name_markers(case["raw"], names)
    assert named == case["named"]
    assert not has_empty_name_slot(named)


@pytest.mark.parametrize(
    "shown",
    [
        "和 研究了 KV cache 压缩[1][2][3]。",
        "The paper  scales test-time compute with a recurrent depth model [1].",
        "This can be found in .",
        "具体来说,  提出了一种方法[1]。",
        "Proposes a new method for cache eviction [1].",
        "AIME24 上达到 89.0% 的 4B 模型是基于 中的基座模型训练的[1]。",
    ],
)
def test_the_empty_slots_seen_before_are_counted(shown: str) -> None:
    assert has_empty_name_slot(shown)


@pytest.mark.parametrize(
    "shown",
    [
        "GPTQ 从最后一维往前执行时，与格上最近向量问题的一个经典算法等价[1]。",
        "- CPQS [7]：现有方法依赖预定义的指标,与目标模型的需求可能不匹配。",
    ],
)
def test_a_clause_that_starts_with_a_conjunction_is_no_empty_slot(shown: str) -> None:
    assert not has_empty_name_slot(shown)


def test_an_answer_names_a_paper_by_its_display_name_without_the_twin_mark() -> None:
    assert names_a_paper("QuRL [1] rewards reasoning with rubrics.", ["QuRL (rubrics)"])
    assert not names_a_paper("A method rewards reasoning [1].", ["QuRL (rubrics)"])


@pytest.mark.parametrize(
    ("raw", "lang", "shown"),
    [
        (
            "The paper evaluates on LongBench and RULER [1].",
            "en",
            "KVTC evaluates on LongBench and RULER [1].",
        ),
        ("该论文在 LongBench 和 RULER 上评测[1]。", "zh", "KVTC在 LongBench 和 RULER 上评测[1]。"),
    ],
)
def test_a_generic_subject_citing_one_paper_becomes_its_name(raw, lang, shown) -> None:
    paper = Paper(paper_id="h-1", display_name="KVTC", name_source="method")
    text = "KVTC is evaluated on LongBench and RULER. 在 LongBench 和 RULER 上评测 KVTC。"
    checked = check_citations(raw, [Source(1, paper, text)], lang)
    assert checked.text == shown


def test_an_answer_that_never_names_its_paper_is_attributed() -> None:
    s1 = Paper(paper_id="2501.19393", display_name="s1", name_source="title")
    source = Source(1, s1, "A small curated dataset of 1,000 reasoning traces replicates o1.")
    en = check_citations(
        "The small curated dataset of reasoning traces replicates o1 [1].", [source], "en",
        question="Which paper replicates o1 with a small curated dataset?", attribute=True,
    )  # fmt: skip
    assert (
        en.text
        == "According to s1, the small curated dataset of reasoning traces replicates o1 [1]."
    )
    zh = check_citations(
        "一个小型精选数据集复现了 o1[1]。", [Source(1, s1, "一个小型精选数据集复现了 o1。")], "zh",
        question="哪篇论文用小型数据集复现了 o1？", attribute=True,
    )  # fmt: skip
    assert zh.text.startswith("据 s1，一个小型精选数据集复现了 o1")
    # A paper the question names is not named again.
    asked = check_citations(
        "The small curated dataset replicates o1 [1].", [source], "en",
        question="What does s1's small curated dataset do?", attribute=True,
    )  # fmt: skip
    assert asked.text == "The small curated dataset replicates o1 [1]."


def test_attribution_leaves_a_yes_alone_and_drops_a_leading_conjunction() -> None:
    from assistant.answer.names import attributed, can_be_attributed

    assert not can_be_attributed("Yes, there is a paper on forecasting.")
    assert can_be_attributed("The dataset covers four languages.")
    assert attributed("并在 VAR 上用两步生成。", "DD", "zh") == "据 DD，在 VAR 上用两步生成。"


def test_a_copy_of_the_context_after_the_answer_is_cut() -> None:
    paper = Paper(
        paper_id="p1", display_name="MSTaR", name_source="method",
        title_en="Diving into Self-Evolving Training for Multimodal Reasoning",
        title_zh="深入探讨多模态推理的自演化训练",
    )  # fmt: skip
    text = "摘要: 自演化训练已成为一种有效且可扩展的增强推理能力的方法。"
    raw = (
        "MSTaR 研究了自演化训练的三个关键因素[1]。\n\n"
        "[1] MSTaR (Diving into Self-Evolving Training for Multimodal Reasoning) / "
        "深入探讨多模态推理的自演化训练\n" + text
    )
    checked = check_citations(raw, [Source(1, paper, text)], "zh")
    assert "深入探讨" not in checked.text and "摘要" not in checked.text
    assert any(f.kind == "echoed_sources" for f in checked.flags)
    # an answer that opens with the header names the paper: it is kept, as its name
    opening = check_citations(raw.split("\n\n")[1], [Source(1, paper, text)], "zh")
    assert opening.text.startswith("MSTaR [1]") and "深入探讨" not in opening.text
    # a line that opens with the paper's name alone is an answer about it
    plain = check_citations("MSTaR 是一种自演化训练方法[1]。", [Source(1, paper, text)], "zh")
    assert not any(f.kind == "echoed_sources" for f in plain.flags)


def test_a_header_written_inside_a_line_goes_and_the_text_after_it_stays() -> None:
    rlp = Paper(paper_id="h-1", display_name="RLP", name_source="method")
    prime = Paper(
        paper_id="2502.01456", display_name="PRIME", name_source="method",
        title_en="Process Reinforcement through Implicit Rewards",
        title_zh="通过隐式奖励进行过程强化",
    )  # fmt: skip
    sources = [
        Source(1, rlp, "RLP 引入基于推理链的信息增益奖励。在 Nemotron-Nano 上实验,提升推理性能。"),
        Source(2, prime, "PRIME 用隐式过程奖励进行在线强化学习。"),
    ]
    raw = (
        "[1] 引入基于推理链的信息增益奖励。 [2] PRIME (Process Reinforcement through Implicit "
        "Rewards) / 通过隐式奖励进行过程强化\n[1] 在 Nemotron-Nano 上实验,提升推理性能。"
    )
    checked = check_citations(raw, sources, "zh")
    assert "隐式奖励" not in checked.text and "Nemotron-Nano" in checked.text
    assert [c.paper.display_name for c in checked.citations] == ["RLP"]
    assert any(f.kind == "echoed_sources" for f in checked.flags)


def test_a_sentence_the_model_repeats_is_shown_once() -> None:
    paper = Paper(paper_id="h-1", display_name="Dr.LLM", name_source="method")
    text = "Dr.LLM 提出通过加入轻量级分层路由器实现动态计算的框架。"
    raw = "[1] 提出框架，通过轻量级分层路由器实现动态计算。" * 3
    checked = check_citations(raw, [Source(1, paper, text)], "zh")
    assert checked.text.count("动态计算") == 1
    assert any(f.kind == "repeated_sentence" for f in checked.flags)
