"""The index: chunking, the Chroma store with its paper catalog, the BM25 twin, ingest."""

from assistant.index.chunking import Chunk, ChunkingParams, chunk_paper
from assistant.index.identity import IndexIdentity
from assistant.index.ingest import IngestProgress, IngestReport, ingest
from assistant.index.store import IndexStore

__all__ = [
    "Chunk",
    "ChunkingParams",
    "IndexIdentity",
    "IndexStore",
    "IngestProgress",
    "IngestReport",
    "chunk_paper",
    "ingest",
]
