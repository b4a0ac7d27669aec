"""Combining the dense and the lexical ranking, and turning chunk hits into paper hits.

Both retrievers return chunks. Fusion happens at the paper level: each list is first
reduced to a ranking of papers (a paper ranks where its best chunk ranks), then the two
paper rankings are fused, so a paper with five matching chunks does not push others out,
and a paper is judged by its best evidence. Chunks are fused the same way at the chunk
level only to order the evidence inside a paper.

Methods: weighted reciprocal rank fusion (`w/(k+rank)` for dense, `(1-w)/(k+rank)` for
BM25), plain RRF (equal weights), or a weighted sum of scores normalized per query
(dense cosine min-max scaled over the candidates, BM25 divided by the best BM25).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.index.store import ChunkRef

FusionMethod = Literal["weighted-rrf", "rrf", "scores"]


@dataclass(frozen=True)
class FusionParams:
    method: FusionMethod = "scores"
    dense_weight: float = 0.6
    rrf_k: int = 60


@dataclass
class FusedPaper:
    """A paper's fused score and the evidence for it."""

    paper_id: str
    score: float
    dense_similarity: float | None  # None when no chunk of it came back from the dense side
    lexical_score: float
    chunks: list[tuple[ChunkRef, float]] = field(default_factory=list)  # best first


def _paper_ranking(hits: list[tuple[ChunkRef, float]]) -> dict[str, tuple[int, float]]:
    """paper id -> (rank from 1, best score) for a chunk list sorted best first."""
    ranking: dict[str, tuple[int, float]] = {}
    for chunk, score in hits:
        if chunk.paper_id not in ranking:
            ranking[chunk.paper_id] = (len(ranking) + 1, score)
    return ranking


def _combine(
    dense: dict[str, tuple[int, float]],
    lexical: dict[str, tuple[int, float]],
    params: FusionParams,
) -> dict[str, float]:
    """key -> fused score, for the keys of either ranking."""
    keys = list(dict.fromkeys([*dense, *lexical]))
    w = 0.5 if params.method == "rrf" else params.dense_weight
    if params.method in ("rrf", "weighted-rrf"):
        k = params.rrf_k
        return {
            key: (w / (k + dense[key][0]) if key in dense else 0.0)
            + ((1 - w) / (k + lexical[key][0]) if key in lexical else 0.0)
            for key in keys
        }
    dense_scores = [s for _, s in dense.values()]
    low, high = (min(dense_scores), max(dense_scores)) if dense_scores else (0.0, 0.0)
    spread = high - low

    def dense_norm(similarity: float) -> float:
        return (similarity - low) / spread if spread > 1e-9 else 1.0  # one candidate: the best

    top_lexical = max((s for _, s in lexical.values()), default=0.0) or 1.0
    return {
        key: (w * dense_norm(dense[key][1]) if key in dense else 0.0)
        + ((1 - w) * lexical[key][1] / top_lexical if key in lexical else 0.0)
        for key in keys
    }


def fuse(
    dense: list[tuple[ChunkRef, float]],
    lexical: list[tuple[ChunkRef, float]],
    params: FusionParams,
) -> list[FusedPaper]:
    """Papers by decreasing fused score; ties keep the dense order."""
    paper_scores = _combine(_paper_ranking(dense), _paper_ranking(lexical), params)

    def chunk_ranking(hits: list[tuple[ChunkRef, float]]) -> dict[str, tuple[int, float]]:
        return {c.chunk_id: (rank, score) for rank, (c, score) in enumerate(hits, start=1)}

    chunk_scores = _combine(chunk_ranking(dense), chunk_ranking(lexical), params)
    by_id = {c.chunk_id: c for c, _ in [*dense, *lexical]}
    papers: dict[str, FusedPaper] = {
        pid: FusedPaper(pid, score, None, 0.0) for pid, score in paper_scores.items()
    }
    for chunk, similarity in dense:
        paper = papers[chunk.paper_id]
        if paper.dense_similarity is None or similarity > paper.dense_similarity:
            paper.dense_similarity = similarity
    for chunk, bm25 in lexical:
        paper = papers[chunk.paper_id]
        paper.lexical_score = max(paper.lexical_score, bm25)
    for chunk_id, score in chunk_scores.items():
        chunk = by_id[chunk_id]
        papers[chunk.paper_id].chunks.append((chunk, score))
    for paper in papers.values():
        paper.chunks.sort(key=lambda pair: -pair[1])
    return sorted(papers.values(), key=lambda p: -p.score)
