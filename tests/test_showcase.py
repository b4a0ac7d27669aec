"""The showcase bench's wiring, with the fake backend: its examples are the web chat's and
the README's, their papers exist, and its verdict fails what a reader would not accept."""

from __future__ import annotations

import importlib.util
import json

import pytest

from assistant.answer.chain import AnswerService
from assistant.answer.result import AnswerResult, Citation
from assistant.config import load_settings
from assistant.digest import load_digests
from assistant.fakes import ScriptedChatModel, extractive_reply
from assistant.web.app import EXAMPLES
from tests.conftest import BUNDLED, ROOT

SPEC = json.loads((ROOT / "bench" / "data" / "showcase.json").read_text(encoding="utf-8"))


def showcase_module():
    spec = importlib.util.spec_from_file_location("showcase", ROOT / "bench" / "showcase.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_web_example_is_in_the_showcase() -> None:
    questions = {e["question"] for e in SPEC["examples"]}
    assert set(EXAMPLES) <= questions


def test_every_showcase_paper_is_in_the_bundled_digest() -> None:
    load = load_digests([BUNDLED])
    for example in SPEC["examples"]:
        for ref in [*example["gold"], *example.get("acceptable", [])]:
            assert load.get(ref) is not None, ref


def result_of(answer: str, papers, question: str = "q") -> AnswerResult:
    citations = [Citation(n, p, "") for n, p in enumerate(papers, start=1)]
    return AnswerResult(question, question, "en", answer=answer, citations=citations)


def test_the_verdict_fails_what_a_reader_would_not_accept() -> None:
    verdict = showcase_module().verdict
    load = load_digests([BUNDLED])
    example = next(e for e in SPEC["examples"] if e["question"].startswith("Which paper scales"))
    paper = load.get(example["gold"][0])
    other = load.get("h-8f6b3e38b20c")
    names = {paper.paper_id: paper.display_name}
    good = result_of(f"{paper.display_name} [1] scales test-time compute in depth.", [paper])
    assert verdict(example, good, names) == []
    nameless = result_of("The paper  scales test-time compute in depth [1].", [paper])
    assert "empty name slot" in verdict(example, nameless, names)
    moved = result_of(f"{other.display_name} scales test-time compute [1].", [other])
    problems = verdict(example, moved, names)
    assert any("cites other papers" in p for p in problems)
    assert any("does not cite" in p for p in problems)


@pytest.mark.parametrize("example", SPEC["examples"], ids=lambda e: e["question"][:30])
def test_the_showcase_questions_run_through_the_chain(bundled_index, example) -> None:
    model = ScriptedChatModel(script=[extractive_reply])
    service = AnswerService(load_settings(), bundled_index.retriever, model, count_tokens=len)
    result = service.answer(example["question"], history=example.get("history") or [])
    assert result.retrieved and result.answer
    assert result.abstained or result.citations
