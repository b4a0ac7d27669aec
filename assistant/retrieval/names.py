"""Finding a paper by the name a reader writes: an arXiv id, its display name, its title (or
the head of it before a colon), or a name its own text introduces ("we propose X",
"提出了 X", "… (X)"). A name no paper has is not guessed: DeepSeek-R1 is mentioned by many
papers of the digest, but none of them is DeepSeek-R1.
"""

from __future__ import annotations

import re
from collections import defaultdict

from assistant.digest.identity import normalize_ref, normalize_text
from assistant.digest.model import Paper

_INTRODUCED = re.compile(
    r"(?:propose[sd]?|introduce[sd]?|present[sd]?|develop(?:s|ed)?|call(?:ed)?|named|dubbed|"
    r"termed|提出了?|引入了?|推出了?|设计了?|开发了?|名为|称为)\s*(?:a |an |the |一种|一个|新的)?"
    r"[^。.;；,，]{0,30}?\b([A-Za-z][\w\-.+]*\d?[\w\-.+]*)"
)
_PAREN = re.compile(r"[（(]([A-Za-z][\w\-.+]{1,30})[)）]")
# A name inside a title: "... Olympiad Geometry with AlphaGeometry2".
_TITLE_NAME = re.compile(r"[A-Za-z][\w\-]*\d[\w\-]*|[A-Za-z]*[a-z][A-Z][\w\-]*")


def _key(name: str) -> str:
    return normalize_text(name.strip().strip("《》'\"“”"))


def _names_of(paper: Paper) -> set[str]:
    """Every name the paper goes by."""
    names = {paper.display_name, paper.display_name.split(" (", 1)[0]}
    for title in (paper.title_en, paper.title_zh):
        if title:
            names.add(title)
            names.add(title.split(": ", 1)[0])
    if paper.arxiv_id:
        names.add(paper.arxiv_id)
    own = " ".join(
        t for t in (paper.tldr, paper.sections.get("method"), paper.summary_zh, paper.abstract) if t
    )
    found = [m.group(1) for p in (_INTRODUCED, _PAREN) for m in p.finditer(own)]
    found += _TITLE_NAME.findall(paper.title_en or "")
    for token in found:
        token = token.rstrip(".-")
        if any(ch.isupper() for ch in token[1:]) or any(ch.isdigit() for ch in token):
            names.add(token)
    return {n for n in names if len(_key(n)) >= 2}


class NameIndex:
    """Papers by every name they go by (a name two papers share finds both: `candidates`)."""

    def __init__(self, papers: list[Paper]) -> None:
        found: dict[str, set[str]] = defaultdict(set)
        self._papers = {p.paper_id: p for p in papers}
        for paper in papers:
            for name in _names_of(paper):
                found[_key(name)].add(paper.paper_id)
        self._by_name = {key: ids for key, ids in found.items()}

    def candidates(self, name: str) -> list[Paper]:
        """Every paper that goes by `name` (several when papers share it)."""
        ref = normalize_ref(name)
        if ref in self._papers:
            return [self._papers[ref]]
        return [self._papers[pid] for pid in sorted(self._by_name.get(_key(name), ()))]

    def find(self, name: str) -> Paper | None:
        """The paper `name` designates, or None (unknown, or shared by several papers)."""
        found = self.candidates(name)
        return found[0] if len(found) == 1 else None
