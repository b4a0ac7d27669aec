"""What the check makes of raw answers the local model wrote on dev questions (recorded
with the sources it read): names written, broken sentences dropped, numbers kept only
where a source states them about the same thing, the citation that states them chosen;
answers that only restate a question about a named paper abstain, and an answer without
the asked figure says so."""

from __future__ import annotations

import json

import pytest

from assistant.answer.decision import decide
from assistant.answer.result import Source
from assistant.answer.support import lexical_support
from assistant.digest import load_digests
from tests.conftest import BUNDLED, TEST_DATA

CASES = [
    json.loads(line)
    for line in (TEST_DATA / "recorded_checks.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def bundled():
    return load_digests([BUNDLED])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_a_recorded_answer_is_checked(case, bundled) -> None:
    sources = [Source(s["key"], bundled.get(s["paper_id"]), s["text"]) for s in case["sources"]]
    decision = decide(
        case["raw"], sources, case["question"], case["lang"],
        support=lexical_support, min_support=0.35, asked_as=case["question"],
    )  # fmt: skip
    expect = case["expect"]
    text = decision.checked.text if decision.checked and not decision.abstain else ""
    if "abstained" in expect:
        assert decision.abstain == expect["abstained"], text
    for piece in expect.get("contains", []):
        assert piece in text
    for piece in expect.get("absent", []):
        assert piece not in text
    cited = [c.paper.paper_id for c in decision.checked.citations] if decision.checked else []
    for paper_id in expect.get("cites", []):
        assert paper_id in cited
