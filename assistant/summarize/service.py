"""Topic summaries by map-reduce within the local model's small context.

    retrieve wide (papers) -> keep the relevant ones -> per-paper notes (map, one short
    prompt each, checked against the paper) -> group into themes by embedding similarity
    -> theme headings -> overview citing the notes (reduce, checked by citations.py)

Numbers, names and links in the report come from the papers; the model's words are kept
only where the paper's text supports them, otherwise the paper's own sentence is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from assistant.answer.citations import check_citations
from assistant.answer.notes import NoteWriter
from assistant.answer.result import Source
from assistant.config import Settings
from assistant.errors import AssistantError, BackendError
from assistant.prompts import load_prompt
from assistant.retrieval.hits import PaperHit
from assistant.retrieval.relevance import RelevanceCut
from assistant.seams import PaperSearch
from assistant.summarize.grouping import group_by_similarity
from assistant.summarize.report import Entry, SummaryReport, Theme
from assistant.text.language import detect_language
from assistant.text.links import strip_urls
from assistant.text.numbers import is_stated, numbers

Progress = Callable[[str, int, int], None]


def _description(paper: Any) -> str:
    """A short text that says what a paper is about, for grouping."""
    lead = paper.tldr or paper.sections.get("problem") or (paper.summary_zh or "")[:200]
    return f"{paper.display_name}. {lead or (paper.abstract or '')[:200]}"


class Summarizer:
    """Writes cited topic reports; one per process, safe to share."""

    def __init__(
        self,
        settings: Settings,
        retriever: PaperSearch,
        chat_model: BaseChatModel,
        embeddings: Embeddings,
        *,
        count_tokens: Callable[[str], int],
    ) -> None:
        """`count_tokens` is shared with the answer service (both built by runtime.Runtime)."""
        self.settings = settings
        self.retriever = retriever
        self.chat_model = chat_model
        self.embeddings = embeddings
        self.count_tokens = count_tokens
        folder = settings.paths.prompts
        self._prompts = {
            lang: {
                kind: load_prompt(folder, f"summary_{kind}.{lang}")
                for kind in ("note", "overview", "theme")
            }
            for lang in ("en", "zh")
        }
        self.notes = NoteWriter(
            retriever,
            chat_model,
            {lang: self._prompts[lang]["note"] for lang in ("en", "zh")},
            count_tokens,
            note_tokens=settings.summary.note_tokens,
            min_support=settings.answer.min_support,
        )

    def _ask(self, template: str, **values: str) -> str:
        chain = ChatPromptTemplate.from_messages([("human", template)]) | self.chat_model
        try:
            return (chain | StrOutputParser()).invoke(values).strip()
        except AssistantError:
            raise
        except Exception as exc:
            raise BackendError(
                f"The chat backend failed while summarizing: {str(exc).rstrip('.')}.",
                hint="Check the llm.* settings (`assistant models status`), then try again.",
            ) from exc

    def relevant(self, hits: Sequence[PaperHit], limit: int | None = None) -> list[PaperHit]:
        """Hits clearly about the topic (retrieval/relevance.py)."""
        cfg = self.settings.summary
        cut = RelevanceCut(
            relative=cfg.relative_score,
            min_similarity=cfg.min_similarity,
            min_lexical=cfg.min_lexical,
            limit=limit or cfg.max_papers,
        )
        return cut.apply(hits)

    def _note(self, topic: str, lang: str, hit: PaperHit, report: SummaryReport) -> Entry:
        """The model's note on the paper, checked; its own sentence when the check fails."""
        note = self.notes.by_model(topic, hit, lang)
        report.flags.extend(note.flags)
        return Entry(0, hit.paper, note.text, extractive=note.own_words)

    def _theme_title(self, lang: str, entries: list[Entry], index: int) -> str:
        notes = "\n".join(f"- {e.paper.display_name}: {e.note}" for e in entries)
        raw = self._ask(self._prompts[lang]["theme"], notes=notes)
        title = strip_urls(raw.splitlines()[0] if raw else "")[0].strip(" #*\"'“”:：")
        source_numbers = [n for e in entries for n in numbers(e.note)]
        if (
            not title
            or len(title) > 60
            or not all(is_stated(n, source_numbers) for n in numbers(title))
        ):
            return ("主题 " if lang == "zh" else "Theme ") + str(index)
        return title

    def summarize(
        self,
        topic: str,
        *,
        filters: Any = None,
        max_papers: int | None = None,
        language: str | None = None,
        progress: Progress | None = None,
    ) -> SummaryReport:
        """A cited report on `topic` from the digest."""
        started = time.perf_counter()
        say = progress or (lambda stage, done, total: None)
        lang = language or detect_language(topic)
        limit = max_papers or self.settings.summary.max_papers
        report = SummaryReport(topic=topic, language=lang)

        say("retrieving", 0, 1)
        hits = self.retriever.search(topic, k=max(limit * 3, 20), filters=filters)
        report.papers_found = len(hits)
        kept = self.relevant(hits, limit)
        report.timings["retrieval_s"] = time.perf_counter() - started

        entries: list[Entry] = []
        for done, hit in enumerate(kept, start=1):
            say("notes", done - 1, len(kept))
            entries.append(self._note(topic, lang, hit, report))
        say("notes", len(kept), len(kept))

        if len(entries) < self.settings.summary.min_papers:
            report.too_few = True
            for number, entry in enumerate(entries, start=1):
                entry.number = number
            report.themes = [Theme("", entries)] if entries else []
            report.timings["total_s"] = time.perf_counter() - started
            return report

        say("themes", 0, 1)
        vectors = self.embeddings.embed_documents([_description(e.paper) for e in entries])
        groups = group_by_similarity(
            vectors,
            max_groups=self.settings.summary.max_themes,
            merge_above=self.settings.summary.theme_similarity,
        )
        number = 0
        for group in groups:
            for i in group:
                number += 1
                entries[i].number = number
        report.themes = [
            Theme(
                self._theme_title(lang, [entries[i] for i in group], n), [entries[i] for i in group]
            )
            for n, group in enumerate(groups, start=1)
        ]

        say("overview", 0, 1)
        ordered = sorted(entries, key=lambda e: e.number)
        notes = "\n".join(f"[{e.number}] {e.paper.display_name}: {e.note}" for e in ordered)
        raw = self._ask(self._prompts[lang]["overview"], topic=topic, notes=notes)
        sources = [Source(e.number, e.paper, f"{e.paper.display_name}: {e.note}") for e in ordered]
        checked = check_citations(
            raw,
            sources,
            lang,
            min_support=self.settings.answer.min_support,
            renumber=False,
            question=topic,
        )
        report.overview = checked.text
        report.removed_citations = checked.removed_citations
        report.flags.extend(checked.flags)
        say("overview", 1, 1)
        report.timings["total_s"] = time.perf_counter() - started
        return report
