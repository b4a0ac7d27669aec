"""The question-kind set (evals/question_kinds.jsonl): questions labelled list / compare / single.

Only the data file is checked here (fields, balance, and that compared papers are papers of
the bundled digest); a classifier that uses it is tested elsewhere.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from assistant.digest import DigestLoad, load_digests
from tests.conftest import BUNDLED, ROOT
from tests.test_devset import _read

KINDS_SET = ROOT / "evals" / "question_kinds.jsonl"
KINDS = {"list", "compare", "single"}
LANGS = {"zh", "en"}
FIELDS = {"id", "question", "lang", "kind"}
COMPARE_FIELDS = {"names", "papers", "unknown"}
CJK = re.compile(r"[\u4e00-\u9fff]")
ID = re.compile(r"^k\d{3}$")


@pytest.fixture(scope="module")
def rows() -> list[tuple[int, dict]]:
    return _read(KINDS_SET)


@pytest.fixture(scope="module")
def questions(rows: list[tuple[int, dict]]) -> list[dict]:
    return [row for _, row in rows]


@pytest.fixture(scope="module")
def digest() -> DigestLoad:
    return load_digests([BUNDLED])


def test_every_line_has_the_fields_of_its_kind(rows):
    problems = []
    for number, row in rows:
        where = f"question_kinds.jsonl:{number}"
        missing = FIELDS - set(row)
        if missing:
            problems.append(f"{where}: missing {sorted(missing)}")
            continue
        if not isinstance(row["id"], str) or not ID.match(row["id"]):
            problems.append(f"{where}: id {row['id']!r} is not like k001")
        if not isinstance(row["question"], str) or not row["question"].strip():
            problems.append(f"{where}: empty question")
        if row["lang"] not in LANGS:
            problems.append(f"{where}: unknown lang {row['lang']!r}")
        if row["kind"] not in KINDS:
            problems.append(f"{where}: unknown kind {row['kind']!r}")
        allowed = FIELDS | (COMPARE_FIELDS if row["kind"] == "compare" else set())
        extra = set(row) - allowed
        if extra:
            problems.append(f"{where}: unexpected fields {sorted(extra)} on a {row['kind']}")
    assert not problems, "\n".join(problems)


def test_ids_are_unique(questions):
    repeated = [qid for qid, n in Counter(q["id"] for q in questions).items() if n > 1]
    assert not repeated, f"repeated ids: {repeated}"


def test_questions_are_not_repeated(questions):
    repeated = [text for text, n in Counter(q["question"] for q in questions).items() if n > 1]
    assert not repeated, f"repeated questions: {repeated}"


def test_size_kinds_and_language_balance(questions):
    assert len(questions) >= 80
    per_lang = Counter(q["lang"] for q in questions)
    for lang in LANGS:
        assert per_lang[lang] / len(questions) >= 0.40, per_lang
    per_kind = Counter(q["kind"] for q in questions)
    for kind in KINDS:
        assert per_kind[kind] >= 20, per_kind
        langs = {q["lang"] for q in questions if q["kind"] == kind}
        assert langs == LANGS, f"{kind} questions only in {langs}"


def test_the_question_is_written_in_its_language(questions):
    wrong = [q["id"] for q in questions if (q["lang"] == "zh") != bool(CJK.search(q["question"]))]
    assert not wrong, f"questions whose text does not match lang: {wrong}"


def test_compare_questions_name_two_or_three_papers_as_written(questions):
    problems = []
    for q in (q for q in questions if q["kind"] == "compare"):
        names = q.get("names")
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            problems.append(f"{q['id']}: names must be a list of non-empty strings")
            continue
        if not 2 <= len(names) <= 3 or len(set(names)) != len(names):
            problems.append(f"{q['id']}: a comparison names 2 or 3 different papers: {names}")
        problems += [
            f"{q['id']}: name {name!r} is not written in the question"
            for name in names
            if name not in q["question"]
        ]
    assert not problems, "\n".join(problems)


def test_compared_names_resolve_to_papers_or_are_marked_unknown(questions, digest):
    """Each name is either a paper of the digest (its id in `papers`) or listed in `unknown`."""
    problems = []
    compare = [q for q in questions if q["kind"] == "compare"]
    for q in compare:
        papers, unknown = q.get("papers"), q.get("unknown", [])
        if not isinstance(papers, list) or not all(isinstance(p, str) for p in papers):
            problems.append(f"{q['id']}: papers must be a list of paper ids")
            continue
        if not isinstance(unknown, list) or not set(unknown) <= set(q.get("names") or []):
            problems.append(f"{q['id']}: unknown must list some of the names")
            continue
        if "unknown" in q and not unknown:
            problems.append(f"{q['id']}: unknown is present but empty")
        problems += [
            f"{q['id']}: {ref!r} is not a paper of the digest"
            for ref in papers
            if digest.get(ref) is None
        ]
        if len(set(papers)) != len(papers):
            problems.append(f"{q['id']}: repeated paper ids")
        if len(papers) + len(unknown) != len(q.get("names") or []):
            problems.append(f"{q['id']}: each name needs one paper id or an unknown entry")
    assert not problems, "\n".join(problems)
    assert len(digest.papers) == 867
    with_unknown = [q for q in compare if q.get("unknown")]
    assert len(with_unknown) >= 3, "keep some comparisons of papers the digest does not have"
    assert len(compare) - len(with_unknown) >= 15
