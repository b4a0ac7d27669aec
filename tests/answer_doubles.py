"""A tiny in-memory retriever over the sample digests, with the retriever's interface.

The answer tests check the chain's own logic (context, citations, abstention) with it;
the real hybrid retriever is tested on its own and end to end in the CLI tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.digest import Paper, load_digests
from assistant.text.terms import terms
from tests.conftest import TEST_DATA


@dataclass
class Chunk:
    chunk_id: str
    paper_id: str
    section: str
    language: str
    text: str
    score: float = 0.0


@dataclass
class Hit:
    paper: Paper
    score: float
    dense_similarity: float
    lexical_score: float
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def snippet(self) -> str:
        return self.chunks[0].text[:200] if self.chunks else ""


def chunks_for(paper: Paper) -> list[Chunk]:
    parts: list[tuple[str, str]] = []
    if paper.summary_zh:
        parts.append(("summary", paper.summary_zh))
    if paper.tldr:
        parts.append(("tldr", paper.tldr))
    parts += list(paper.sections.items())
    if paper.abstract:
        parts.append(("abstract", paper.abstract))
    return [
        Chunk(f"{paper.paper_id}:{i}", paper.paper_id, section, "zh", text)
        for i, (section, text) in enumerate(parts)
    ]


class TermRetriever:
    """Ranks papers by shared terms; `similarity` is the share of query terms matched."""

    def __init__(self, papers: list[Paper] | None = None) -> None:
        self._papers = (
            papers or load_digests([TEST_DATA / "sample_a.md", TEST_DATA / "sample_b.txt"]).papers
        )
        self.queries: list[str] = []

    def search(self, query: str, *, k: int | None = None, filters=None) -> list[Hit]:
        self.queries.append(query)
        wanted = terms(query)
        hits = []
        for paper in self._papers:
            chunks = chunks_for(paper)
            found = terms(" ".join(c.text for c in chunks) + " " + paper.display_name)
            share = len(wanted & found) / (len(wanted) or 1)
            if share > 0:
                hits.append(Hit(paper, share, share, share * 10, chunks[:2]))
        hits.sort(key=lambda h: -h.score)
        return hits[: k or 5]

    def chunks_of(self, paper_id: str) -> list[Chunk]:
        paper = next(p for p in self._papers if p.paper_id == paper_id)
        return chunks_for(paper)
