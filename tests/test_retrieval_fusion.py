"""Fusion of the dense and lexical rankings, and aggregation of chunks to papers."""

from __future__ import annotations

import pytest

from assistant.index.store import ChunkRef
from assistant.retrieval.fusion import FusionParams, fuse


def chunk(paper: str, n: int = 0) -> ChunkRef:
    return ChunkRef.of(f"{paper}:abstract:{n}:h")


def order(fused) -> list[str]:
    return [p.paper_id for p in fused]


def test_many_chunks_of_one_paper_do_not_push_other_papers_out():
    dense = [(chunk("A", i), 0.9 - i * 0.01) for i in range(5)] + [(chunk("B"), 0.8)]
    lexical = [(chunk("B"), 12.0)]
    fused = {p.paper_id: p for p in fuse(dense, lexical, FusionParams("rrf", rrf_k=60))}
    # B is the 6th chunk but the 2nd paper of the dense list: it ranks as 2nd.
    assert fused["B"].score == pytest.approx(0.5 / 62 + 0.5 / 61)
    assert fused["A"].score == pytest.approx(0.5 / 61)
    assert fused["A"].chunks[0][0].chunk_id == "A:abstract:0:h"  # best first
    assert len(fused["A"].chunks) == 5


def test_the_dense_weight_decides_between_the_two_rankings():
    dense = [(chunk("A"), 0.9), (chunk("B"), 0.5)]
    lexical = [(chunk("B"), 20.0), (chunk("A"), 1.0)]
    assert order(fuse(dense, lexical, FusionParams("weighted-rrf", 0.7, 10)))[0] == "A"
    assert order(fuse(dense, lexical, FusionParams("weighted-rrf", 0.3, 10)))[0] == "B"


def test_a_paper_found_by_one_side_only_still_counts():
    dense = [(chunk("A"), 0.9)]
    lexical = [(chunk("B"), 5.0)]
    fused = {p.paper_id: p for p in fuse(dense, lexical, FusionParams())}
    assert fused["A"].dense_similarity == 0.9 and fused["A"].lexical_score == 0.0
    assert fused["B"].dense_similarity is None and fused["B"].lexical_score == 5.0
    assert fused["A"].score > fused["B"].score  # dense weighs 0.6 by default


def test_score_fusion_uses_the_size_of_the_gaps():
    # Dense: A barely ahead of B. BM25: B far ahead. Ranks alone would tie; scores do not.
    dense = [(chunk("A"), 0.80), (chunk("B"), 0.79), (chunk("C"), 0.40)]
    lexical = [(chunk("B"), 30.0), (chunk("A"), 2.0)]
    fused = fuse(dense, lexical, FusionParams("scores", 0.5))
    assert order(fused)[:2] == ["B", "A"]
    assert fused[0].score == pytest.approx(0.5 * (0.79 - 0.40) / 0.40 + 0.5)


def test_best_similarity_and_bm25_are_kept_per_paper():
    dense = [(chunk("A", 1), 0.7), (chunk("A", 0), 0.6)]
    lexical = [(chunk("A", 0), 4.0), (chunk("A", 1), 9.0)]
    (paper,) = fuse(dense, lexical, FusionParams())
    assert paper.dense_similarity == 0.7
    assert paper.lexical_score == 9.0
    assert {c.chunk_id for c, _ in paper.chunks} == {"A:abstract:0:h", "A:abstract:1:h"}


def test_nothing_in_nothing_out():
    assert fuse([], [], FusionParams()) == []
