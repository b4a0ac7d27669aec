"""A LangChain Embeddings for any OpenAI-compatible `/v1/embeddings` server.

It sends plain strings (never token arrays, which many non-OpenAI servers reject) and
asks for `encoding_format="float"`. The client is an `openai.OpenAI` built by the
factory with its timeout and retries; final failures go through `translate`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.errors import BackendError


class OpenAICompatibleEmbeddings(Embeddings):
    """Embeds through `client.embeddings.create`, in batches of `batch_size` strings."""

    def __init__(
        self,
        client: Any,
        *,
        model: str,
        batch_size: int = 64,
        translate: Callable[[Exception], Exception | None] = lambda _exc: None,
    ) -> None:
        self.client = client
        self.model = model
        self.batch_size = batch_size
        self.translate = translate

    def _create(self, texts: list[str]) -> list[list[float]]:
        try:
            reply = self.client.embeddings.create(
                model=self.model, input=texts, encoding_format="float"
            )
        except Exception as exc:
            raise (self.translate(exc) or exc) from exc
        rows = sorted(reply.data, key=lambda row: row.index)
        if len(rows) != len(texts):
            raise BackendError(
                f"The embeddings server returned {len(rows)} vectors for {len(texts)} texts.",
                hint="Check embedder.base_url and embedder.model: the server may not be an "
                "embeddings endpoint.",
            )
        return [[float(x) for x in row.embedding] for row in rows]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._create(list(texts[start : start + self.batch_size])))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._create([text])[0]
