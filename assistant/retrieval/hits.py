"""What a search returns: papers (full records) with scores and their matching chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.digest.model import Paper

SNIPPET_CHARS = 200


@dataclass
class ChunkHit:
    """A piece of a paper. `text` is the chunk's own text, without its context line.

    A chunk that groups several short Chinese fields comes back as one ChunkHit per field
    (all with the chunk's id and score), so `section` always names exactly one section.
    """

    chunk_id: str
    paper_id: str
    section: str  # summary, tldr, motivation, problem, analysis, method, experiments,
    #               contribution, abstract
    language: str  # "zh" or "en"
    text: str
    score: float = 0.0  # fused score of the chunk (0 for chunks listed by chunks_of)


@dataclass
class PaperHit:
    """One paper found by a search, with the evidence for it."""

    paper: Paper
    score: float  # fused paper score; hits are in decreasing order of it
    dense_similarity: float  # best cosine similarity of the paper's chunks to the query
    lexical_score: float  # best raw BM25 score of its chunks, 0 when none matched
    chunks: list[ChunkHit] = field(default_factory=list)  # best matching first
    rerank: str | None = None  # the reranker's verdict ("yes"/"no"), None when not judged

    @property
    def snippet(self) -> str:
        """The best matching chunk's text, shortened to about 200 characters."""
        if not self.chunks:
            return shorten(self.paper.text_start)
        return shorten(self.chunks[0].text)


@dataclass(frozen=True)
class SearchFilters:
    """Restrict a search; each field is any-of, fields combine with AND. None: no limit.

    Categories and tags match case-insensitively; a source file matches by full path or
    by file name.
    """

    categories: tuple[str, ...] | list[str] | None = None
    tags: tuple[str, ...] | list[str] | None = None
    source_files: tuple[str, ...] | list[str] | None = None

    def is_empty(self) -> bool:
        return not (self.categories or self.tags or self.source_files)


def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    """`text` cut to about `limit` characters, at a sentence or word end when one is near."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    for stop in ("。", "！", "？", ". ", "; ", "；", "，", ", ", " "):
        cut = head.rfind(stop)
        if cut >= limit * 0.6:
            return head[: cut + len(stop)].rstrip() + ("" if stop in "。！？" else " …")
    return head.rstrip() + "…"


def paper_ref(paper: Paper) -> dict[str, Any]:
    """paper_id, url (None when the digest gives none), title (display name), text_start."""
    return paper.ref()


def hit_json(hit: PaperHit) -> dict[str, Any]:
    """One search result as JSON: the paper reference, its score and snippet."""
    return {**paper_ref(hit.paper), "score": round(hit.score, 6), "snippet": hit.snippet}
