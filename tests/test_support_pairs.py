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
