"""Running a question set through the same answer code the chat uses, resumably.

Each finished question is appended to DIR/outputs.jsonl at once; a re-run skips the ids
already there (except those that ended in an error), so an interrupted run resumes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evals.questions import Question
from assistant.seams import AnswerStream
from assistant.text.language import detect_language, in_language

OUTPUTS = "outputs.jsonl"


def done_ids(out_dir: Path) -> set[str]:
    """Ids already answered in DIR/outputs.jsonl (lines with an error are not done)."""
    path = Path(out_dir) / OUTPUTS
    if not path.is_file():
        return set()
    done: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by an interruption: that question runs again
        if not record.get("error"):
            done.add(str(record.get("id")))
    return done


def read_outputs(out_dir: Path) -> list[dict[str, Any]]:
    """The last complete record per id, in file order."""
    path = Path(out_dir) / OUTPUTS
    records: dict[str, dict[str, Any]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            records[str(record.get("id"))] = record
    return list(records.values())


def _record(question: Question, **fields: Any) -> dict[str, Any]:
    return {
        "id": question.id,
        "question": question.question,
        "lang": question.lang,
        "type": question.type,
        "gold": question.gold,
        "acceptable": question.acceptable,
        "near_miss": question.near_paper is not None,
        **fields,
    }


def run_question(
    service: AnswerStream,
    question: Question,
    *,
    retrieval_only: bool,
    names_of: Callable[[list[str]], list[str]] | None = None,
) -> dict[str, Any]:
    """One question through the answer service; errors are recorded, not raised."""
    try:
        if retrieval_only:
            query, hits, seconds = service.retrieve(question.question, history=question.history)
            return _record(
                question,
                standalone_question=query,
                answer="",
                answer_language=None,
                retrieved=[h.paper.ref() for h in hits],
                cited=[],
                removed_citations=0,
                abstained=False,
                flags=[],
                timings={"retrieval_s": round(seconds, 4)},
            )
        result = service.answer(question.question, history=question.history)
    except AssistantError as exc:
        return _record(question, error=str(exc))
    data = result.to_dict()
    return _record(
        question,
        standalone_question=data["standalone_question"],
        answer=data["answer"],
        # A bare number ("84.6% [1]") fits either language: it counts as the question's.
        answer_language=question.lang
        if in_language(data["answer"], question.lang)
        else detect_language(data["answer"]),
        retrieved=[
            {k: r[k] for k in ("paper_id", "url", "title", "text_start")} for r in data["retrieved"]
        ],
        cited=data["cited"],
        removed_citations=data["removed_citations"],
        removed_urls=data["removed_urls"],
        abstained=data["abstained"],
        partial=data["partial"],
        flags=data["flags"],
        timings=data["timings"],
        context=data["context"],
        raw_answer=data["raw_answer"],
        gold_names=names_of(question.gold) if names_of else [],
    )


def run_eval(
    service: AnswerStream,
    questions: Sequence[Question],
    out_dir: Path,
    *,
    retrieval_only: bool = False,
    judge: Any = None,
    names_of: Callable[[list[str]], list[str]] | None = None,
    on_progress: Callable[[Question, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Answer every question not yet in DIR; returns the records written by this run."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    skip = done_ids(out_dir)
    written: list[dict[str, Any]] = []
    with (out_dir / OUTPUTS).open("a", encoding="utf-8") as handle:
        for question in questions:
            if question.id in skip:
                continue
            started = time.perf_counter()
            record = run_question(
                service, question, retrieval_only=retrieval_only, names_of=names_of
            )
            if judge is not None and not record.get("error"):
                try:
                    record["faithfulness"] = judge.score(record)
                except AssistantError as exc:
                    record["judge_error"] = str(exc)
            record.setdefault("timings", {})["wall_s"] = round(time.perf_counter() - started, 4)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            written.append(record)
            if on_progress:
                on_progress(question, record)
    return written
