"""A topic summary as data (`present.markdown.report_markdown` writes it as Markdown)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.answer.result import Flag
from assistant.digest import Paper


@dataclass
class Entry:
    """One paper in the report: its reference number, record and one- or two-line note."""

    number: int
    paper: Paper
    note: str
    extractive: bool = False  # the note is the paper's own sentence, not the model's


@dataclass
class Theme:
    title: str
    entries: list[Entry]


@dataclass
class SummaryReport:
    topic: str
    language: str
    overview: str = ""
    themes: list[Theme] = field(default_factory=list)
    papers_found: int = 0  # retrieved before the relevance cut
    removed_citations: int = 0
    flags: list[Flag] = field(default_factory=list)
    too_few: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def entries(self) -> list[Entry]:
        return sorted((e for t in self.themes for e in t.entries), key=lambda e: e.number)

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "language": self.language,
            "overview": self.overview,
            "themes": [
                {"title": t.title, "papers": [e.paper.paper_id for e in t.entries]}
                for t in self.themes
            ],
            "references": [
                {"number": e.number, **e.paper.ref(), "note": e.note, "extractive": e.extractive}
                for e in self.entries
            ],
            "papers_found": self.papers_found,
            "too_few": self.too_few,
            "removed_citations": self.removed_citations,
            "flags": [f.to_dict() for f in self.flags],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }
