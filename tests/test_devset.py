"""The dev question set (evals/dev.jsonl) checked against the bundled digest and its parser."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.digest import DigestLoad, Paper, load_digests
from tests.conftest import BUNDLED, ROOT

DEV_SET = ROOT / "evals" / "dev.jsonl"
TYPES = {"lookup", "which-paper", "cross-lingual", "multi-paper", "unanswerable", "conversational"}
LANGS = {"zh", "en"}
REQUIRED = ("id", "question", "lang", "type", "gold", "answer_facts")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fold(text: str) -> str:
    """Case-folded with whitespace runs collapsed: how answer facts are matched."""
    return " ".join(text.split()).casefold()


def _paper_text(paper: Paper) -> str:
    parts = [paper.title_en, paper.title_zh, paper.summary_zh, *paper.sections.values()]
    parts += [paper.abstract, paper.tldr]
    return _fold(" ".join(p for p in parts if p))


def _chinese_fields(paper: Paper) -> str:
    parts = [paper.title_zh, paper.summary_zh, *paper.sections.values()]
    return _fold(" ".join(p for p in parts if p))


def _read(path: Path) -> list[tuple[int, dict]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            rows.append((number, json.loads(line)))
    return rows


@pytest.fixture(scope="module")
def rows() -> list[tuple[int, dict]]:
    return _read(DEV_SET)


@pytest.fixture(scope="module")
def questions(rows: list[tuple[int, dict]]) -> list[dict]:
    return [row for _, row in rows]


@pytest.fixture(scope="module")
def digest() -> DigestLoad:
    return load_digests([BUNDLED])


def _papers(digest: DigestLoad, refs: list[str]) -> list[Paper]:
    return [paper for ref in refs if (paper := digest.get(ref)) is not None]


def test_every_line_is_an_object_with_the_required_fields(rows):
    problems = []
    for number, row in rows:
        missing = [name for name in REQUIRED if name not in row]
        if missing:
            problems.append(f"dev.jsonl:{number}: missing {missing}")
            continue
        if row["type"] not in TYPES:
            problems.append(f"dev.jsonl:{number}: unknown type {row['type']!r}")
        if row["lang"] not in LANGS:
            problems.append(f"dev.jsonl:{number}: unknown lang {row['lang']!r}")
        if not isinstance(row["question"], str) or not row["question"].strip():
            problems.append(f"dev.jsonl:{number}: empty question")
        if not all(isinstance(ref, str) for ref in row["gold"]):
            problems.append(f"dev.jsonl:{number}: gold must be a list of strings")
        if not all(isinstance(fact, str) and fact for fact in row["answer_facts"]):
            problems.append(f"dev.jsonl:{number}: answer_facts must be non-empty strings")
    assert not problems, "\n".join(problems)


def test_ids_are_unique(questions):
    repeated = [qid for qid, n in Counter(q["id"] for q in questions).items() if n > 1]
    assert not repeated, f"repeated ids: {repeated}"


def test_every_gold_reference_is_a_paper_of_the_digest(questions, digest):
    assert len(digest.papers) == 867
    unknown = [(q["id"], ref) for q in questions for ref in q["gold"] if digest.get(ref) is None]
    assert not unknown, f"gold refs that are not papers of the digest: {unknown}"


def test_size_and_language_balance(questions):
    assert len(questions) >= 120
    per_lang = Counter(q["lang"] for q in questions)
    for lang in LANGS:
        assert per_lang[lang] / len(questions) >= 0.45, per_lang


def test_the_question_is_written_in_its_language(questions):
    wrong = []
    for q in questions:
        has_chinese = bool(CJK.search(q["question"]))
        if (q["lang"] == "zh") != has_chinese:
            wrong.append(q["id"])
    assert not wrong, f"questions whose text does not match lang: {wrong}"


def test_unanswerable_questions_and_only_they_have_empty_gold(questions):
    unanswerable = [q for q in questions if q["type"] == "unanswerable"]
    assert len(unanswerable) >= 20
    assert {q["lang"] for q in unanswerable} == LANGS
    mismatched = [q["id"] for q in questions if (q["type"] == "unanswerable") != (q["gold"] == [])]
    assert not mismatched, f"gold: [] must mean type unanswerable: {mismatched}"


def test_gold_sizes_fit_the_type(questions):
    problems = []
    for q in questions:
        if q["type"] == "which-paper" and len(q["gold"]) != 1:
            problems.append(f"{q['id']}: which-paper needs exactly one gold paper")
        if q["type"] == "multi-paper" and not 2 <= len(q["gold"]) <= 12:
            problems.append(f"{q['id']}: multi-paper needs 2-12 gold papers")
    assert not problems, "\n".join(problems)


def test_enough_multi_paper_questions_in_both_languages(questions):
    multi = [q for q in questions if q["type"] == "multi-paper"]
    assert len(multi) >= 30, len(multi)
    per_lang = Counter(q["lang"] for q in multi)
    for lang in LANGS:
        assert per_lang[lang] >= 14, per_lang


def test_acceptable_papers_are_extra_papers_of_multi_paper_questions(questions, digest):
    """`acceptable`: papers a list answer may also name; never gold, only on multi-paper."""
    problems = []
    for q in questions:
        if "acceptable" not in q:
            continue
        acceptable = q["acceptable"]
        if q["type"] != "multi-paper":
            problems.append(f"{q['id']}: acceptable on a {q['type']} question")
        if not isinstance(acceptable, list) or not all(isinstance(r, str) for r in acceptable):
            problems.append(f"{q['id']}: acceptable must be a list of paper ids")
            continue
        problems += [
            f"{q['id']}: acceptable {ref!r} is not a paper of the digest"
            for ref in acceptable
            if digest.get(ref) is None
        ]
        gold_ids = {paper.paper_id for paper in _papers(digest, q["gold"])}
        problems += [
            f"{q['id']}: {paper.paper_id} is both gold and acceptable"
            for paper in _papers(digest, acceptable)
            if paper.paper_id in gold_ids
        ]
        if len(set(acceptable)) != len(acceptable):
            problems.append(f"{q['id']}: repeated acceptable papers")
    assert not problems, "\n".join(problems)


def test_history_is_given_exactly_for_conversational_questions(questions):
    problems = []
    for q in questions:
        history = q.get("history")
        if q["type"] != "conversational":
            if history is not None:
                problems.append(f"{q['id']}: history on a {q['type']} question")
            continue
        if not history:
            problems.append(f"{q['id']}: conversational question without history")
            continue
        for turn in history:
            if set(turn) != {"role", "content"} or turn["role"] not in {"user", "assistant"}:
                problems.append(f"{q['id']}: malformed turn {turn}")
        if history and history[-1]["role"] != "assistant":
            problems.append(f"{q['id']}: history should end with the assistant's turn")
    assert not problems, "\n".join(problems)


def test_every_answer_fact_appears_in_a_gold_paper(questions, digest):
    """Guards against invented facts: some alternative of each fact is in a gold paper's text."""
    invented = []
    for q in questions:
        texts = [_paper_text(p) for p in _papers(digest, q["gold"])]
        for fact in q["answer_facts"]:
            alternatives = [_fold(a) for a in fact.split("|") if a.strip()]
            if not any(a in text for a in alternatives for text in texts):
                invented.append(f"{q['id']}: {fact!r}")
    assert not invented, "facts not found in any gold paper:\n" + "\n".join(invented)


def test_cross_lingual_questions_need_the_other_language(questions, digest):
    """English ones ask about papers with only a Chinese summary; Chinese ones about facts
    that only the English abstract states."""
    problems = []
    for q in questions:
        if q["type"] != "cross-lingual":
            continue
        papers = _papers(digest, q["gold"])
        if q["lang"] == "en":
            problems += [
                f"{q['id']}: {p.paper_id} has an English abstract" for p in papers if p.abstract
            ]
            continue
        for fact in q["answer_facts"]:
            alternatives = [_fold(a) for a in fact.split("|") if a.strip()]
            for paper in papers:
                if any(a in _chinese_fields(paper) for a in alternatives):
                    problems.append(
                        f"{q['id']}: {fact!r} is in the Chinese text of {paper.paper_id}"
                    )
    assert not problems, "\n".join(problems)


def test_near_misses_name_a_real_paper_and_what_it_does_not_say(questions, digest):
    """Near misses: a real paper (`near_paper`), asked for a detail its text lacks (`missing`)."""
    near = [q for q in questions if "near_paper" in q]
    assert len(near) >= 24, len(near)
    per_lang = Counter(q["lang"] for q in near)
    assert per_lang["zh"] >= 10 and per_lang["en"] >= 10, per_lang
    problems = []
    for q in questions:
        if "missing" in q and "near_paper" not in q:
            problems.append(f"{q['id']}: 'missing' without near_paper")
    for q in near:
        if q["type"] != "unanswerable":
            problems.append(f"{q['id']}: near_paper on a {q['type']} question")
        if q["gold"] != [] or q["answer_facts"]:
            problems.append(f"{q['id']}: a near miss has gold [] and no answer facts")
        problems += near_miss_problems(q, digest)
    assert not problems, "\n".join(problems)


def near_miss_problems(q: dict, digest: DigestLoad) -> list[str]:
    """What is wrong with a near miss's own fields: its paper, `missing`, `note` (shared
    with the held-out set's test)."""
    problems = []
    ref = q["near_paper"]
    paper = digest.get(ref) if isinstance(ref, str) else None
    if paper is None or paper.paper_id != ref:
        problems.append(f"{q['id']}: near_paper {ref!r} is not a paper id of the digest")
    missing = q.get("missing")
    if not isinstance(missing, str) or not missing.strip() or CJK.search(missing):
        problems.append(f"{q['id']}: 'missing' must be a short English phrase")
    if not q.get("note"):
        problems.append(f"{q['id']}: a near miss needs a note saying what the text gives")
    return problems
