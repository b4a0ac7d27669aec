"""Turning answers and papers into the chat's Markdown and the sources panel's HTML.

Everything that comes from a paper or from the model is escaped here: the chat shows
text, never markup someone else wrote. Links come only from the paper records.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from assistant.answer.result import RELATED_LABELS, AnswerResult, Citation
from assistant.digest import SECTION_LABELS, Paper

_MARKER = re.compile(r"\[(\d+)\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")

LINK_LABELS = {
    "arxiv": "arXiv",
    "other": "Paper link",
    "search": "No link in the digest · search on arXiv",
}


def escape_markdown(text: str) -> str:
    """Text shown literally inside Markdown: HTML escaped, Markdown syntax neutralised."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def paper_href(paper: Paper) -> tuple[str | None, str]:
    """(href, kind): the paper's own link, else its arXiv search (kind 'search')."""
    if paper.link:
        return paper.link, paper.link_kind or "other"
    return paper.search_url, "search"


def answer_markdown(result: AnswerResult) -> str:
    """The answer text with each [n] turned into a link to the cited paper."""
    hrefs = {c.number: paper_href(c.paper)[0] for c in result.citations}
    parts: list[str] = []
    last = 0
    text = result.answer
    for match in _MARKER.finditer(text):
        parts.append(escape_markdown(text[last : match.start()]))
        number = int(match.group(1))
        href = hrefs.get(number)
        parts.append(f"[\\[{number}\\]]({href})" if href else f"\\[{number}\\]")
        last = match.end()
    parts.append(escape_markdown(text[last:]))
    markdown = "".join(parts)
    if result.abstained and result.related:
        label = RELATED_LABELS[result.language]
        lines = [
            f"- [{escape_markdown(p.display_name)}]({paper_href(p)[0]})" for p in result.related
        ]
        markdown += f"\n\n{label}\n" + "\n".join(lines)
    return markdown


def _card(number: int | None, paper: Paper, snippet: str) -> str:
    href, kind = paper_href(paper)
    name = html.escape(paper.display_name)
    derived = (
        ' <span class="da-derived" title="No title in the digest: name taken from the text">'
        "(name from text)</span>"
        if paper.name_is_derived
        else ""
    )
    badge = f'<span class="da-num">[{number}]</span> ' if number is not None else ""
    link_class = "da-link da-search" if kind == "search" else "da-link"
    link = (
        f'<a class="{link_class}" href="{html.escape(href)}" target="_blank" '
        f'rel="noopener noreferrer">{LINK_LABELS[kind]}</a>'
        if href
        else ""
    )
    meta = " · ".join(html.escape(x) for x in [paper.category or "", paper.subcategory or ""] if x)
    tags = "".join(f'<span class="da-tag">#{html.escape(t)}</span>' for t in paper.tags[:8])
    zh = paper.summary_zh or "\n".join(
        f"{SECTION_LABELS[k]}: {v}" for k, v in paper.sections.items()
    )
    details = ""
    if zh:
        details += f"<details><summary>中文摘要</summary><p>{html.escape(zh)}</p></details>"
    if paper.abstract:
        details += (
            f"<details><summary>English abstract</summary><p>{html.escape(paper.abstract)}</p>"
            "</details>"
        )
    title_zh = f'<div class="da-zh">{html.escape(paper.title_zh)}</div>' if paper.title_zh else ""
    quote = f'<blockquote class="da-snippet">{html.escape(snippet)}</blockquote>' if snippet else ""
    return (
        f'<div class="da-card" data-paper-id="{html.escape(paper.paper_id)}">'
        f'<div class="da-title">{badge}{name}{derived}</div>{title_zh}'
        f'<div class="da-meta">{meta} {link}</div><div class="da-tags">{tags}</div>'
        f"{quote}{details}</div>"
    )


def sources_html(citations: Sequence[Citation], related: Sequence[Paper] = ()) -> str:
    """The sources panel: one card per cited paper (or the related papers on abstention)."""
    if citations:
        cards = "".join(_card(c.number, c.paper, c.snippet) for c in citations)
        return f'<div class="da-sources">{cards}</div>'
    if related:
        cards = "".join(_card(None, p, "") for p in related)
        return f'<div class="da-sources"><div class="da-hint">Related papers</div>{cards}</div>'
    return '<div class="da-sources da-empty">Sources of the answer appear here.</div>'


CSS = """
.da-sources { display: flex; flex-direction: column; gap: 10px; }
.da-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px; }
.da-title { font-weight: 600; }
.da-num { color: var(--color-accent); }
.da-derived, .da-meta, .da-hint { color: var(--body-text-color-subdued); font-size: 0.85em; }
.da-zh { font-size: 0.9em; }
.da-tag { display: inline-block; font-size: 0.75em; margin: 2px 4px 0 0; opacity: 0.8; }
.da-snippet { margin: 6px 0; font-size: 0.9em; border-left: 3px solid var(--color-accent);
  padding-left: 8px; }
.da-search { font-style: italic; }
.da-empty { color: var(--body-text-color-subdued); }
"""


def summary_markdown(report: Any) -> str:
    """A topic report for the page: text escaped, [n] and references linked to the papers."""
    from assistant.summarize.report import HEADINGS

    words = HEADINGS[report.language]
    hrefs = {e.number: paper_href(e.paper)[0] for e in report.entries}

    def linked(text: str) -> str:
        out, last = [], 0
        for match in _MARKER.finditer(text):
            out.append(escape_markdown(text[last : match.start()]))
            href = hrefs.get(int(match.group(1)))
            out.append(f"[\\[{match.group(1)}\\]]({href})" if href else escape_markdown(match[0]))
            last = match.end()
        return "".join(out) + escape_markdown(text[last:])

    lines = [f"### {escape_markdown(words['title'].format(topic=report.topic))}", ""]
    if report.too_few:
        count = len(report.entries)
        lines += [words["few"].format(n=count) if count else words["none"], ""]
    if report.overview:
        lines += [f"#### {words['overview']}", "", linked(report.overview), ""]
    for theme in report.themes:
        if theme.title and not report.too_few:
            lines += [f"#### {escape_markdown(theme.title)}", ""]
        for entry in theme.entries:
            name = escape_markdown(entry.paper.display_name)
            lines.append(f"- **{name}**: {linked(entry.note)} {linked(f'[{entry.number}]')}")
        lines.append("")
    if report.entries:
        lines += [f"#### {words['references']}", ""]
        for entry in report.entries:
            href, kind = paper_href(entry.paper)
            label = LINK_LABELS[kind]
            lines.append(
                f"{entry.number}. {escape_markdown(entry.paper.display_name)} — [{label}]({href})"
            )
    return "\n".join(lines)
