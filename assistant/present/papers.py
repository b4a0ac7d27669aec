"""A paper as a reader meets it: its label and its link, worded once for every surface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.digest import Paper

LinkKind = Literal["arxiv", "other", "search"]

DERIVED_MARK = {"en": " (name from the text)", "zh": "（名称取自正文）"}
DERIVED_TITLE = "No title in the digest: name taken from the text"
LINK_TEXT: dict[str, dict[LinkKind, str]] = {
    "en": {
        "arxiv": "arXiv",
        "other": "Paper link",
        "search": "No link in the digest · search on arXiv",
    },
    "zh": {"arxiv": "arXiv", "other": "论文链接", "search": "摘要库未给出链接 · 在 arXiv 上搜索"},
}


@dataclass(frozen=True)
class PaperLink:
    """Where a paper can be opened: its own link, or an arXiv search (kind 'search')."""

    href: str | None
    kind: LinkKind

    def text(self, language: str = "en") -> str:
        return LINK_TEXT[language][self.kind]


def paper_link(paper: Paper) -> PaperLink:
    """The paper's own link when the digest gives one, else its arXiv search."""
    if paper.link:
        return PaperLink(paper.link, paper.link_kind or "other")
    return PaperLink(paper.search_url, "search")


def paper_label(paper: Paper, language: str = "en", *, with_zh_title: bool = False) -> str:
    """The display name, marked when it was read from the text (and the Chinese title)."""
    label = paper.display_name
    if with_zh_title and paper.title_zh and paper.title_zh != paper.display_name:
        label += f" / {paper.title_zh}"
    if paper.name_is_derived:
        label += DERIVED_MARK[language]
    return label


def link_line(paper: Paper, language: str = "en") -> str:
    """The link as plain text: the URL, or the search marked as a search."""
    link = paper_link(paper)
    if link.kind != "search":
        return link.href or ""
    return f"{link.text(language)}: {link.href}"


def reference_line(number: int | None, paper: Paper, language: str = "en") -> str:
    """ "[n] Name / 中文题名 — link": one plain line of a reference list."""
    head = f"[{number}] " if number is not None else ""
    return (
        f"{head}{paper_label(paper, language, with_zh_title=True)} — {link_line(paper, language)}"
    )
