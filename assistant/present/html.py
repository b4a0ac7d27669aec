"""The web chat's sources panel: one card per cited paper, everything escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence

from assistant.answer.result import Citation
from assistant.digest import SECTION_LABELS, Paper
from assistant.present.papers import DERIVED_TITLE, paper_link


def paper_card(number: int | None, paper: Paper, snippet: str) -> str:
    link = paper_link(paper)
    name = html.escape(paper.display_name)
    derived = (
        f' <span class="da-derived" title="{DERIVED_TITLE}">(name from text)</span>'
        if paper.name_is_derived
        else ""
    )
    badge = f'<span class="da-num">[{number}]</span> ' if number is not None else ""
    link_class = "da-link da-search" if link.kind == "search" else "da-link"
    anchor = (
        f'<a class="{link_class}" href="{html.escape(link.href)}" target="_blank" '
        f'rel="noopener noreferrer">{html.escape(link.text())}</a>'
        if link.href
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
        f'<div class="da-meta">{meta} {anchor}</div><div class="da-tags">{tags}</div>'
        f"{quote}{details}</div>"
    )


def sources_html(citations: Sequence[Citation], related: Sequence[Paper] = ()) -> str:
    """The sources panel: one card per cited paper (or the related papers on abstention)."""
    if citations:
        cards = "".join(paper_card(c.number, c.paper, c.snippet) for c in citations)
        return f'<div class="da-sources">{cards}</div>'
    if related:
        cards = "".join(paper_card(None, p, "") for p in related)
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
