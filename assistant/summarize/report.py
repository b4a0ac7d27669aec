"""A topic summary as data, and as Markdown. Links and names come from the paper records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.answer.result import Flag
from assistant.digest import Paper

HEADINGS = {
    "en": {
        "overview": "Overview",
        "references": "References",
        "few": "The digest has only {n} paper(s) on this topic.",
        "none": "The digest has no paper on this topic.",
        "search": "no link in the digest; search on arXiv",
        "title": "Topic summary: {topic}",
    },
    "zh": {
        "overview": "概述",
        "references": "参考文献",
        "few": "摘要库中关于这个主题的论文只有 {n} 篇。",
        "none": "摘要库中没有关于这个主题的论文。",
        "search": "摘要库未给出链接；在 arXiv 上搜索",
        "title": "主题综述：{topic}",
    },
}


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


def reference_line(entry: Entry, language: str) -> str:
    paper = entry.paper
    derived = " (name from the text)" if paper.name_is_derived and language == "en" else ""
    if paper.name_is_derived and language == "zh":
        derived = "（名称取自正文）"
    link = paper.link or f"{HEADINGS[language]['search']}: {paper.search_url}"
    zh = f" / {paper.title_zh}" if paper.title_zh and paper.title_zh != paper.display_name else ""
    return f"[{entry.number}] {paper.display_name}{zh}{derived} — {link}"


def to_markdown(report: SummaryReport) -> str:
    words = HEADINGS[report.language]
    lines = [f"# {words['title'].format(topic=report.topic)}", ""]
    if report.too_few:
        count = len(report.entries)
        lines += [words["few"].format(n=count) if count else words["none"], ""]
    if report.overview:
        lines += [f"## {words['overview']}", "", report.overview, ""]
    for theme in report.themes:
        if not report.too_few:
            lines += [f"## {theme.title}", ""]
        for entry in theme.entries:
            lines.append(f"- **{entry.paper.display_name}**: {entry.note} [{entry.number}]")
        lines.append("")
    if report.entries:
        lines += [f"## {words['references']}", ""]
        lines += [reference_line(e, report.language) for e in report.entries]
        lines.append("")
    return "\n".join(lines)
