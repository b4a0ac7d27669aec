"""Naming at ingest: papers whose text introduces no method name get one from the chat
model, once, checked against the paper's own words (digest/naming.py) and stored with the
paper in the index, so later ingests reuse it instead of asking again."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from assistant.digest.model import Paper
from assistant.digest.naming import needs_model_name, valid_model_name
from assistant.prompts import fill
from assistant.text.sentences import split_sentences

# The sentences of an abstract that speak of the work itself.
_OWN_WORK = re.compile(r"\b(?:we|our|this (?:paper|work|study))\b", re.I)
_TEXT_CHARS = 700


@dataclass
class NamingReport:
    asked: int = 0  # papers the model was asked to name
    named: int = 0  # of those, names that passed the check
    reused: int = 0  # names taken from the index
    seconds: float = 0.0


def naming_text(paper: Paper) -> str:
    """What the model reads: the TL;DR and the abstract's sentences about the work itself."""
    sentences = split_sentences(paper.abstract or "")
    own = [s for s in sentences if _OWN_WORK.search(s)] or sentences[:2]
    parts = [f"TL;DR: {paper.tldr}"] if paper.tldr else []
    parts.append(" ".join(own))
    return "\n".join(parts)[:_TEXT_CHARS]


def name_papers(
    papers: list[Paper],
    stored: dict[str, Paper],
    chat_model: Callable[[], BaseChatModel],
    template: str,
    progress: Callable[[int, int], None] | None = None,
) -> NamingReport:
    """Name, in place, the papers that need it: a model name stored in the index is reused
    (the paper id is a hash of its text, so the same id is the same text), the rest are
    asked for. `chat_model` is only called when a paper must be asked about."""
    started = time.perf_counter()
    report = NamingReport()
    todo = []
    for paper in papers:
        if not needs_model_name(paper):
            continue
        old = stored.get(paper.paper_id)
        if old is not None and old.name_source in ("model", "text"):
            paper.display_name, paper.name_source = old.display_name, old.name_source
            report.reused += 1
        else:
            todo.append(paper)
    model = chat_model() if todo else None
    for done, paper in enumerate(todo):
        if progress:
            progress(done, len(todo))
        prompt = fill(template, text=naming_text(paper))
        reply = model.invoke([HumanMessage(prompt)], max_tokens=24, temperature=0.0)  # type: ignore[union-attr]
        report.asked += 1
        name = valid_model_name(str(reply.content), paper)
        if name:
            paper.display_name, paper.name_source = name, "model"
            report.named += 1
        else:
            paper.name_source = "text"  # keeps its phrase; not asked again
    if progress and todo:
        progress(len(todo), len(todo))
    report.seconds = time.perf_counter() - started
    return report
