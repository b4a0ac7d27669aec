"""A recording wrapper around the real retriever, for tests that check what was searched.

The answer, summary and eval tests run on a real Chroma index over the sample (or the
bundled) digest with the fake embedder (session fixtures in conftest.py); this only adds
a log of the queries and filters each search was given.
"""

from __future__ import annotations

from typing import Any

from assistant.seams import PaperSearch


class RecordingSearch:
    """Delegates to a real retriever; remembers every query and filter."""

    def __init__(self, inner: PaperSearch) -> None:
        self.inner = inner
        self.queries: list[str] = []
        self.filters: list[Any] = []

    def search(self, query: str, k: int | None = None, filters: Any = None) -> list:
        self.queries.append(query)
        self.filters.append(filters)
        return self.inner.search(query, k=k, filters=filters)

    def chunks_of(self, paper_id: str) -> list:
        return self.inner.chunks_of(paper_id)

    def paper(self, paper_id: str) -> Any:
        return self.inner.paper(paper_id)

    def papers_named(self, name: str) -> list:
        return self.inner.papers_named(name)

    def topic_terms(self, question: str) -> Any:
        return self.inner.topic_terms(question)

    def hits_for(self, paper_ids: list[str], query: str) -> list:
        return self.inner.hits_for(paper_ids, query)

    def similarities(self, query: str, texts: list[str]) -> list[float]:
        return self.inner.similarities(query, texts)

    def paper_similarities(self, query: str, paper_ids: list[str]) -> dict[str, float]:
        return self.inner.paper_similarities(query, paper_ids)

    def categories(self) -> list[str]:
        return self.inner.categories()
