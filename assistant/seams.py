"""The typed seams between the rooms: what the web app, the CLI and the eval runner call,
and what the answer service and summaries call in turn.

    web/chat.py, cli/answer_cmd.py, evals/runner.py  --AnswerStream-->  answer/chain.py
    answer/chain.py, summarize/service.py            --PaperSearch--->  retrieval/retriever.py
    retrieval, index, answer support                 --Embeddings---->  llm/ (LangChain's type)

The real classes satisfy these; the fakes and test doubles do too, structurally.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from assistant.answer.result import AnswerEvent, AnswerResult
    from assistant.digest.model import Paper
    from assistant.retrieval.hits import ChunkHit, PaperHit, SearchFilters
    from assistant.retrieval.topic import TopicTerms

History = Sequence[dict[str, str]]


class PaperSearch(Protocol):
    """Finds papers for a query and reads their chunks (retrieval/retriever.py)."""

    def search(
        self, query: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> list[PaperHit]: ...

    def chunks_of(self, paper_id: str) -> list[ChunkHit]: ...

    def paper(self, paper_id: str) -> Paper | None: ...

    def papers_named(self, name: str) -> list[Paper]: ...

    def topic_terms(self, question: str) -> TopicTerms: ...

    def hits_for(self, paper_ids: list[str], query: str) -> list[PaperHit]: ...

    def similarities(self, query: str, texts: list[str]) -> list[float]: ...

    def paper_similarities(self, query: str, paper_ids: list[str]) -> dict[str, float]: ...

    def categories(self) -> list[str]: ...


class AnswerStream(Protocol):
    """Answers questions about the digest (answer/chain.py: AnswerService)."""

    def stream(
        self, question: str, *, history: History | None = None, filters: Any = None
    ) -> Iterator[AnswerEvent]: ...

    def answer(
        self, question: str, *, history: History | None = None, filters: Any = None
    ) -> AnswerResult: ...

    def retrieve(
        self, question: str, *, history: History | None = None, filters: Any = None
    ) -> tuple[str, list[PaperHit], float]: ...
