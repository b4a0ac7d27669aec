"""The held-out question set (evals/heldout.jsonl) checked against the bundled digest.

The split is only run to measure, never to tune; these tests keep it well formed and keep
its gold and facts honest, like tests/test_devset.py does for the dev set. Besides near misses
and which-paper questions it holds list questions: multi-paper ones (a named benchmark or
method, whose gold is every paper mentioning it, or a topic) and list-like unanswerables.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from assistant.digest import DigestLoad, load_digests
from assistant.evals.questions import load_question_set
from tests.conftest import BUNDLED, ROOT
from tests.test_devset import (
    CJK,
    DEV_SET,
    LANGS,
    REQUIRED,
    TYPES,
    _fold,
    _paper_text,
    _read,
    near_miss_problems,
)

HELDOUT = ROOT / "evals" / "heldout.jsonl"
ID_FORMAT = re.compile(r"h\d{3}")

# Keyword-style list questions: the gold is every paper whose text names the keyword.
KEYWORD_QUESTIONS = {
    "h057": "GenEval",
    "h058": "MT-Bench",
    "h059": "BrowseComp",
    "h060": "HMMT",
    "h061": "Mamba",
    "h062": "ImageNet",
    "h063": "MMLU-Pro",
}


@pytest.fixture(scope="module")
def rows() -> list[tuple[int, dict]]:
    return _read(HELDOUT)


@pytest.fixture(scope="module")
def questions(rows: list[tuple[int, dict]]) -> list[dict]:
    return [row for _, row in rows]


@pytest.fixture(scope="module")
def dev_questions() -> list[dict]:
    return [row for _, row in _read(DEV_SET)]


@pytest.fixture(scope="module")
def digest() -> DigestLoad:
    return load_digests([BUNDLED])


def _near_misses(questions: list[dict]) -> list[dict]:
    return [q for q in questions if q["type"] == "unanswerable" and "near_paper" in q]


def _which_paper(questions: list[dict]) -> list[dict]:
    return [q for q in questions if q["type"] == "which-paper"]


def _multi_paper(questions: list[dict]) -> list[dict]:
    return [q for q in questions if q["type"] == "multi-paper"]


def _list_unanswerables(questions: list[dict]) -> list[dict]:
    return [q for q in questions if q["type"] == "unanswerable" and "near_paper" not in q]


def test_every_line_is_an_object_with_the_required_fields(rows):
    problems = []
    for number, row in rows:
        missing = [name for name in REQUIRED if name not in row]
        if missing:
            problems.append(f"heldout.jsonl:{number}: missing {missing}")
            continue
        if row["type"] not in TYPES:
            problems.append(f"heldout.jsonl:{number}: unknown type {row['type']!r}")
        if row["lang"] not in LANGS:
            problems.append(f"heldout.jsonl:{number}: unknown lang {row['lang']!r}")
        if not isinstance(row["question"], str) or not row["question"].strip():
            problems.append(f"heldout.jsonl:{number}: empty question")
        if not isinstance(row["gold"], list) or not all(isinstance(r, str) for r in row["gold"]):
            problems.append(f"heldout.jsonl:{number}: gold must be a list of strings")
        facts = row["answer_facts"]
        if not isinstance(facts, list) or not all(isinstance(f, str) and f for f in facts):
            problems.append(f"heldout.jsonl:{number}: answer_facts must be non-empty strings")
        if "history" in row:
            problems.append(f"heldout.jsonl:{number}: the held-out split has no conversations")
    assert not problems, "\n".join(problems)


def test_the_evaluation_runner_reads_every_line():
    loaded, issues = load_question_set(HELDOUT)
    assert not issues, [issue.message for issue in issues]
    assert len(loaded) == len(_read(HELDOUT))


def test_ids_are_unique_and_numbered(questions):
    ids = [q["id"] for q in questions]
    repeated = [qid for qid, n in Counter(ids).items() if n > 1]
    assert not repeated, f"repeated ids: {repeated}"
    badly_named = [qid for qid in ids if not ID_FORMAT.fullmatch(qid)]
    assert not badly_named, f"ids must look like h001: {badly_named}"


def test_nothing_is_shared_with_the_dev_set(questions, dev_questions):
    dev_ids = {q["id"] for q in dev_questions}
    dev_texts = {_fold(q["question"]) for q in dev_questions}
    shared_ids = [q["id"] for q in questions if q["id"] in dev_ids]
    shared_texts = [q["id"] for q in questions if _fold(q["question"]) in dev_texts]
    assert not shared_ids, f"ids also used in dev.jsonl: {shared_ids}"
    assert not shared_texts, f"questions also in dev.jsonl: {shared_texts}"


def test_the_question_is_written_in_its_language(questions):
    wrong = [q["id"] for q in questions if (q["lang"] == "zh") != bool(CJK.search(q["question"]))]
    assert not wrong, f"questions whose text does not match lang: {wrong}"


def test_unanswerable_questions_and_only_they_have_empty_gold(questions):
    mismatched = [q["id"] for q in questions if (q["type"] == "unanswerable") != (q["gold"] == [])]
    assert not mismatched, f"gold: [] must mean type unanswerable: {mismatched}"
    with_facts = [q["id"] for q in questions if q["type"] == "unanswerable" and q["answer_facts"]]
    assert not with_facts, f"unanswerable questions cannot have answer facts: {with_facts}"


def test_near_misses_name_a_real_paper_and_what_it_does_not_say(questions, digest):
    near = _near_misses(questions)
    assert len(near) >= 30
    per_lang = Counter(q["lang"] for q in near)
    assert per_lang["zh"] >= 14 and per_lang["en"] >= 14, per_lang
    problems = []
    for q in questions:
        if "near_paper" in q and q["type"] != "unanswerable":
            problems.append(f"{q['id']}: near_paper on a {q['type']} question")
    for q in near:
        problems += near_miss_problems(q, digest)
    assert not problems, "\n".join(problems)


def test_which_paper_questions_have_one_gold_paper_of_the_digest(questions, digest):
    which = _which_paper(questions)
    assert len(which) >= 20
    per_lang = Counter(q["lang"] for q in which)
    assert per_lang["zh"] >= 9 and per_lang["en"] >= 9, per_lang
    problems = []
    for q in which:
        if len(q["gold"]) != 1:
            problems.append(f"{q['id']}: which-paper needs exactly one gold paper")
        elif digest.get(q["gold"][0]) is None:
            problems.append(f"{q['id']}: gold {q['gold'][0]!r} is not a paper of the digest")
        if not 1 <= len(q["answer_facts"]) <= 2:
            problems.append(f"{q['id']}: which-paper needs 1-2 answer facts")
    assert not problems, "\n".join(problems)


def test_every_answer_fact_appears_in_the_gold_paper(questions, digest):
    """Guards against invented facts: some alternative of each fact is in the gold text."""
    invented = []
    for q in questions:
        texts = [_paper_text(p) for ref in q["gold"] if (p := digest.get(ref)) is not None]
        for fact in q["answer_facts"]:
            alternatives = [_fold(a) for a in fact.split("|") if a.strip()]
            if not any(a in text for a in alternatives for text in texts):
                invented.append(f"{q['id']}: {fact!r}")
    assert not invented, "facts not found in the gold paper:\n" + "\n".join(invented)


def test_size_and_both_languages(questions):
    assert len(questions) >= 50
    assert {q["lang"] for q in questions} == LANGS


def test_multi_paper_list_questions_have_gold_papers_of_the_digest(questions, digest):
    multi = _multi_paper(questions)
    assert len(multi) >= 16
    per_lang = Counter(q["lang"] for q in multi)
    assert per_lang["zh"] >= 7 and per_lang["en"] >= 7, per_lang
    problems = []
    for q in multi:
        gold, acceptable = q["gold"], q.get("acceptable", [])
        if not 2 <= len(gold) <= 12:
            problems.append(f"{q['id']}: multi-paper needs 2-12 gold papers")
        if q["id"] not in KEYWORD_QUESTIONS and len(gold) > 10:
            problems.append(f"{q['id']}: a topic question has at most 10 gold papers")
        if len(set(gold)) != len(gold) or len(set(acceptable)) != len(acceptable):
            problems.append(f"{q['id']}: repeated papers")
        problems += [
            f"{q['id']}: {ref!r} is not a paper of the digest"
            for ref in [*gold, *acceptable]
            if digest.get(ref) is None
        ]
        if set(gold) & set(acceptable):
            problems.append(f"{q['id']}: a paper is both gold and acceptable")
        if not 2 <= len(q["answer_facts"]) <= 4:
            problems.append(f"{q['id']}: multi-paper needs 2-4 answer facts")
        if not q.get("note"):
            problems.append(f"{q['id']}: the note must say how the gold was found")
    for q in questions:
        if "acceptable" in q and q["type"] != "multi-paper":
            problems.append(f"{q['id']}: acceptable on a {q['type']} question")
    assert not problems, "\n".join(problems)


def test_keyword_list_questions_list_every_paper_naming_the_keyword(questions, digest):
    """The gold of a keyword question is exactly the papers whose text names the keyword."""
    by_id = {q["id"]: q for q in questions}
    assert set(KEYWORD_QUESTIONS) <= set(by_id), "keyword questions missing from the split"
    problems = []
    for qid, keyword in KEYWORD_QUESTIONS.items():
        q = by_id[qid]
        if q["type"] != "multi-paper":
            problems.append(f"{qid}: a keyword question must be multi-paper")
            continue
        if _fold(keyword) not in _fold(q["question"]):
            problems.append(f"{qid}: the question does not name {keyword!r}")
        mentioning = {p.paper_id for p in digest.papers if _fold(keyword) in _paper_text(p)}
        gold = {paper.paper_id for ref in q["gold"] if (paper := digest.get(ref)) is not None}
        if extra := sorted(gold - mentioning):
            problems.append(f"{qid}: gold papers not naming {keyword!r}: {extra}")
        if missed := sorted(mentioning - gold):
            problems.append(f"{qid}: papers naming {keyword!r} left out: {missed}")
        if len(mentioning) > 12:
            problems.append(f"{qid}: {keyword!r} is named by more than 12 papers")
    assert not problems, "\n".join(problems)


def test_list_like_unanswerables_in_both_languages(questions):
    listing = _list_unanswerables(questions)
    assert len(listing) >= 8
    per_lang = Counter(q["lang"] for q in listing)
    assert per_lang["zh"] >= 4 and per_lang["en"] >= 4, per_lang
    problems = [
        f"{q['id']}: a list-like unanswerable needs gold [], no facts and a note"
        for q in listing
        if q["gold"] or q["answer_facts"] or not q.get("note") or "missing" in q
    ]
    assert not problems, "\n".join(problems)
