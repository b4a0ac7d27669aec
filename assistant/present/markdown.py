"""Markdown that is safe to render: what came from a paper or a model is escaped, `[n]`
markers become links to the cited papers, and every link comes from a paper record."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from assistant.answer.result import RELATED_LABELS, AnswerResult
from assistant.digest import Paper
from assistant.present.papers import paper_label, paper_link
from assistant.text.markers import MARKER

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")

REPORT_WORDS = {
    "en": {
        "overview": "Overview",
        "references": "References",
        "few": "The digest has only {n} paper(s) on this topic.",
        "none": "The digest has no paper on this topic.",
        "title": "Topic summary: {topic}",
    },
    "zh": {
        "overview": "概述",
        "references": "参考文献",
        "few": "摘要库中关于这个主题的论文只有 {n} 篇。",
        "none": "摘要库中没有关于这个主题的论文。",
        "title": "主题综述：{topic}",
    },
}


def escape_markdown(text: str) -> str:
    """Text shown literally inside Markdown: HTML escaped, Markdown syntax neutralised."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _link(text: str, href: str) -> str:
    return f"[{text}]({href.replace(' ', '%20').replace(')', '%29')})"


def link_markers(text: str, hrefs: Mapping[int, str | None]) -> str:
    """The text escaped, each `[n]` that names a cited paper turned into a link to it."""
    parts: list[str] = []
    last = 0
    for match in MARKER.finditer(text):
        parts.append(escape_markdown(text[last : match.start()]))
        numbers = [int(n) for n in re.findall(r"\d+", match.group(0))]
        for number in numbers:
            href = hrefs.get(number)
            parts.append(_link(f"\\[{number}\\]", href) if href else f"\\[{number}\\]")
        last = match.end()
    parts.append(escape_markdown(text[last:]))
    return "".join(parts)


def table_markdown(rows: list[list[str]], hrefs: Mapping[int, str | None]) -> str:
    """A comparison table: cells escaped, markers linked."""
    lines = []
    for n, row in enumerate(rows):
        cells = [link_markers(cell, hrefs).replace("\n", " ") for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + "---|" * len(row))
    return "\n".join(lines)


def answer_markdown(result: AnswerResult) -> str:
    """An answer for the chat: linked markers (a comparison as a table), and the closest
    papers when it abstains."""
    hrefs = {c.number: paper_link(c.paper).href for c in result.citations}
    if result.table:
        intro = [link_markers(line, hrefs) for line in lines_beside_table(result)]
        return "\n\n".join([table_markdown(result.table, hrefs), *intro])
    markdown = link_markers(result.answer, hrefs)
    if result.abstained and result.related:
        lines = [
            f"- {_link(escape_markdown(paper_label(p, result.language)), paper_link(p).href or '')}"
            for p in result.related
        ]
        markdown += f"\n\n{RELATED_LABELS[result.language]}\n" + "\n".join(lines)
    return markdown


def lines_beside_table(result: AnswerResult) -> list[str]:
    """The lines of a comparison's text that are not rows of its table (unknown names, the
    main difference)."""
    labels = tuple(f"{row[0]}: " for row in result.table[1:])
    return [line for line in result.answer.split("\n") if line and not line.startswith(labels)]


def report_markdown(report, *, level: int = 1) -> str:  # report: SummaryReport
    """A topic report as a Markdown document; headings start at `level` (1 = '#')."""
    words = REPORT_WORDS[report.language]
    lang = report.language
    hrefs = {e.number: paper_link(e.paper).href for e in report.entries}
    h1, h2 = "#" * level, "#" * (level + 1)
    lines = [f"{h1} {escape_markdown(words['title'].format(topic=report.topic))}", ""]
    if report.too_few:
        count = len(report.entries)
        lines += [words["few"].format(n=count) if count else words["none"], ""]
    if report.overview:
        lines += [f"{h2} {words['overview']}", "", link_markers(report.overview, hrefs), ""]
    for theme in report.themes:
        if theme.title and not report.too_few:
            lines += [f"{h2} {escape_markdown(theme.title)}", ""]
        for entry in theme.entries:
            name = escape_markdown(entry.paper.display_name)
            note = link_markers(f"{entry.note} [{entry.number}]", hrefs)
            lines.append(f"- **{name}**: {note}")
        lines.append("")
    if report.entries:
        lines += [f"{h2} {words['references']}", ""]
        lines += [reference_markdown(e.number, e.paper, lang) for e in report.entries]
        lines.append("")
    return "\n".join(lines)


def reference_markdown(number: int | None, paper: Paper, language: str = "en") -> str:
    """ "n. Name / 中文题名 — [arXiv](link)": one line of a Markdown reference list (a bullet
    when there is no number)."""
    link = paper_link(paper)
    label = escape_markdown(paper_label(paper, language, with_zh_title=True))
    target = _link(escape_markdown(link.text(language)), link.href) if link.href else ""
    return f"{f'{number}.' if number is not None else '-'} {label} — {target}"
