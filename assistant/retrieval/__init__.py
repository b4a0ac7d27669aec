"""Retrieval: hybrid (dense + BM25) search over the index, returning papers with evidence."""

from assistant.retrieval.hits import (
    ChunkHit,
    PaperHit,
    SearchFilters,
    hit_json,
    paper_ref,
    shorten,
)
from assistant.retrieval.retriever import Candidates, Retriever, open_retriever

__all__ = [
    "Candidates",
    "ChunkHit",
    "PaperHit",
    "Retriever",
    "SearchFilters",
    "hit_json",
    "open_retriever",
    "paper_ref",
    "shorten",
]
