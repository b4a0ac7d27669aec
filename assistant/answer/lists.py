"""List answers ("哪些论文研究了 X？", "Which papers study X?"), composed by code.

    retrieve wide -> keep the clearly relevant papers (retrieval/relevance.py, the cut
    topic summaries use) -> one line per paper: its name and citation by code, and one
    sentence on what it does for the topic (notes.py: the paper's own sentence in the
    reader's language, else the model's, checked) -> lines streamed as each is written

No sentence of a list answer comes from anywhere but the paper it cites.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from assistant.answer.notes import NoteWriter
from assistant.answer.result import AnswerEvent, AnswerResult, Citation, Flag
from assistant.config import Settings
from assistant.retrieval.hits import PaperHit
from assistant.retrieval.relevance import RelevanceCut
from assistant.seams import PaperSearch

OPENING = {
    "en": "The digest has {n} paper(s) on this:",
    "zh": "摘要库中有 {n} 篇相关论文：",
}


def list_line(number: int, name: str, note: str, language: str) -> str:
    """One line of a list answer: the name and citation by code, then the note."""
    colon = "：" if language == "zh" else ": "
    return f"- {name} [{number}]{colon}{note}"


class ListAnswers:
    """Answers list questions from the papers clearly about the topic."""

    def __init__(self, settings: Settings, retriever: PaperSearch, notes: NoteWriter) -> None:
        self.settings = settings
        self.retriever = retriever
        self.notes = notes

    def cut(self) -> RelevanceCut:
        cfg = self.settings.answer
        return RelevanceCut(
            relative=cfg.list_relative_score,
            min_similarity=cfg.list_min_similarity,
            min_lexical=cfg.list_min_lexical,
            limit=cfg.list_papers,
        )

    def papers(self, topic: str, filters: Any = None) -> tuple[list[PaperHit], list[PaperHit]]:
        """(every paper retrieved, the ones kept for the list)."""
        hits = self.retriever.search(topic, k=self.settings.answer.list_pool, filters=filters)
        return hits, self.cut().apply(hits)

    def stream(
        self,
        result: AnswerResult,
        topic: str,
        *,
        filters: Any,
        started: float,
        abstain: Callable[[AnswerResult, float], AnswerResult],
    ) -> Iterator[AnswerEvent]:
        """Lines as each paper's note is written, then the result."""
        lang = result.language
        timings = result.timings
        t0 = time.perf_counter()
        hits, kept = self.papers(topic, filters)
        timings["retrieval_s"] = time.perf_counter() - t0
        result.retrieved = hits[: self.settings.answer.retrieve_papers]
        if not kept:
            result.flags.append(Flag("weak_retrieval", "no paper is clearly about the topic"))
            yield AnswerEvent("result", result=abstain(result, started))
            return
        yield AnswerEvent("status", "listing")
        lines = [OPENING[lang].format(n=len(kept))]
        yield AnswerEvent("token", lines[0] + "\n")
        timings["ttft_s"] = time.perf_counter() - started
        prefer_own = self.settings.answer.list_notes == "own-words"
        for number, hit in enumerate(kept, start=1):
            note = self.notes.note(topic, hit, lang, prefer_own=prefer_own)
            result.flags.extend(note.flags)
            line = list_line(number, hit.paper.display_name, note.text, lang)
            lines.append(line)
            result.citations.append(Citation(number, hit.paper, note.text))
            yield AnswerEvent("token", line + "\n")
        result.answer = "\n".join(lines)
        timings["total_s"] = time.perf_counter() - started
        yield AnswerEvent("result", result=result)
