"""Accuracy of the question-kind classifier (list / compare / single).

On evals/question_kinds.jsonl (the labelled set the patterns were written against) and, as
a check on questions it was not written against, on the dev and held-out sets (multi-paper
questions want a list; lookup, which-paper, cross-lingual and conversational ones a single
answer; unanswerable ones are left out). Prints accuracy, the confusion counts and every
miss.

    .venv/bin/python bench/kinds.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer.kinds import classify  # noqa: E402


def rows(name: str) -> list[dict]:
    path = ROOT / "evals" / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def report(title: str, labelled: list[tuple[str, str]]) -> None:
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    for question, want in labelled:
        got = classify(question).kind
        confusion[(want, got)] += 1
        if got != want:
            misses.append(f"  want {want}, got {got}: {question}")
    right = sum(n for (want, got), n in confusion.items() if want == got)
    print(f"{title}: {right}/{len(labelled)} = {right / len(labelled):.3f}")
    for (want, got), n in sorted(confusion.items()):
        print(f"  {want:>7} -> {got:<7} {n}")
    print("\n".join(misses) or "  no misses")


def main() -> None:
    kinds = rows("question_kinds.jsonl")
    report("labelled set", [(r["question"], r["kind"]) for r in kinds])
    compares = [r for r in kinds if r["kind"] == "compare"]
    names_right = sum(
        [n.casefold() for n in classify(r["question"]).names] == [n.casefold() for n in r["names"]]
        for r in compares
    )
    print(f"compared names extracted exactly: {names_right}/{len(compares)}")
    others = [
        (r["question"], "list" if r["type"] == "multi-paper" else "single")
        for r in rows("dev.jsonl") + rows("heldout.jsonl")
        if r["type"] != "unanswerable"
    ]
    report("dev + held-out questions", others)


if __name__ == "__main__":
    main()
