"""The Retriever as a LangChain BaseRetriever: one Document per paper, best first."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.retrieval.hits import PaperHit, SearchFilters, paper_ref


def hit_document(hit: PaperHit) -> Document:
    """A paper hit as a Document: its matching chunks as text, its reference as metadata."""
    return Document(
        page_content="\n".join(chunk.text for chunk in hit.chunks) or hit.paper.text_start,
        metadata={
            **paper_ref(hit.paper),
            "score": hit.score,
            "dense_similarity": hit.dense_similarity,
            "lexical_score": hit.lexical_score,
            "sections": [chunk.section for chunk in hit.chunks],
            "chunk_ids": list(dict.fromkeys(chunk.chunk_id for chunk in hit.chunks)),
        },
    )


class PaperRetriever(BaseRetriever):
    """Runs Retriever.search and returns Documents."""

    retriever: Any
    k: int | None = None
    filters: SearchFilters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.retriever.search(query, k=self.k, filters=self.filters)
        return [hit_document(hit) for hit in hits]
