"""Evaluation question sets: JSONL, one question per line; bad lines reported and skipped."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.digest.identity import normalize_ref
from assistant.digest.model import ParseIssue
from assistant.errors import EvalSetError
from assistant.text.language import detect_language

TYPES = {"lookup", "which-paper", "cross-lingual", "multi-paper", "unanswerable", "conversational"}


@dataclass
class Question:
    """One question of a set; `gold` holds normalized paper ids ([] = not answerable)."""

    id: str
    question: str
    lang: str
    type: str
    gold: list[str]
    answer_facts: list[str] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    acceptable: list[str] = field(default_factory=list)  # list questions: also fine to name
    near_paper: str | None = None  # near misses: the real paper whose text lacks the detail
    line: int = 0

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


def _parse(record: Any) -> Question:
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    for name in ("id", "question", "gold"):
        if name not in record:
            raise ValueError(f"missing field {name!r}")
    if not isinstance(record["question"], str) or not record["question"].strip():
        raise ValueError("'question' must be a non-empty string")
    gold = record["gold"]
    if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
        raise ValueError("'gold' must be a list of paper refs (arXiv ids, URLs or paper_ids)")
    history = record.get("history") or []
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and "content" in t
        for t in history
    ):
        raise ValueError('\'history\' must be a list of {"role": user|assistant, "content"}')
    facts = record.get("answer_facts") or []
    if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
        raise ValueError("'answer_facts' must be a list of strings")
    lang = record.get("lang") or detect_language(record["question"])
    if lang not in ("zh", "en"):
        raise ValueError(f"'lang' must be 'zh' or 'en', not {lang!r}")
    qtype = record.get("type") or ("unanswerable" if not gold else "lookup")
    return Question(
        id=str(record["id"]),
        question=record["question"].strip(),
        lang=lang,
        type=qtype,
        gold=[normalize_ref(g) for g in gold],
        answer_facts=facts,
        history=[{"role": t["role"], "content": str(t["content"])} for t in history],
        acceptable=[normalize_ref(r) for r in record.get("acceptable") or []],
        near_paper=normalize_ref(record["near_paper"]) if record.get("near_paper") else None,
    )


def load_question_set(path: Path) -> tuple[list[Question], list[ParseIssue]]:
    """Read a question set; each bad line becomes an issue with file:line and is skipped."""
    path = Path(path)
    if not path.is_file():
        raise EvalSetError(
            f"{path}: no such question set.", hint="Give the path of a JSONL question set."
        )
    questions: list[Question] = []
    issues: list[ParseIssue] = []
    seen: set[str] = set()
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = _parse(json.loads(line))
        except (json.JSONDecodeError, ValueError) as exc:
            issues.append(
                ParseIssue(
                    str(path), number, "warning", f"line skipped: {exc}. See evals/README.md."
                )
            )
            continue
        if question.id in seen:
            issues.append(
                ParseIssue(str(path), number, "warning", f"duplicate id {question.id!r}; skipped.")
            )
            continue
        seen.add(question.id)
        question.line = number
        questions.append(question)
    if not questions:
        raise EvalSetError(
            f"{path}: no usable question ({len(issues)} bad line(s)).",
            hint="Each line must be a JSON object with id, question and gold; see evals/README.md.",
        )
    return questions, issues
