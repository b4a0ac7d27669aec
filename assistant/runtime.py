"""Wiring the core pieces together from the settings, for the entry points (CLI, web, evals).

Nothing here runs at import: each function builds what its caller asks for, on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.answer.chain import AnswerService
from assistant.answer.support import CrossLingualSupport
from assistant.config import Settings
from assistant.summarize import Summarizer


@dataclass
class Runtime:
    """The answer service, the summarizer and the retriever under them."""

    service: AnswerService
    summarizer: Summarizer
    retriever: Any

    def close(self) -> None:
        self.retriever.close()


def open_runtime(
    settings: Settings,
    *,
    chat_model: Any = None,
    embeddings: Any = None,
    need_chat: bool = True,
) -> Runtime:
    """Open the index and the models the settings select (fetching local ones if missing)."""
    from assistant.llm import make_chat_model, make_embeddings
    from assistant.retrieval import open_retriever

    embeddings = embeddings or make_embeddings(settings)
    if chat_model is None and need_chat:
        chat_model = make_chat_model(settings)
    retriever = open_retriever(
        settings, embeddings, chat_model if settings.retrieval.rerank else None
    )
    try:
        support = CrossLingualSupport(
            embeddings,
            min_support=settings.answer.min_support,
            min_similarity=settings.answer.min_cross_similarity,
        )
        service = AnswerService(settings, retriever, chat_model, support=support)
        summarizer = Summarizer(
            settings, retriever, chat_model, embeddings, count_tokens=service.count_tokens
        )
    except BaseException:
        retriever.close()
        raise
    return Runtime(service, summarizer, retriever)


def backend_label(settings: Settings) -> str:
    """What the UI and reports show as the active chat backend and embedder."""
    from assistant.models.status import active_chat, active_embedder

    return f"chat: {active_chat(settings)} — embeddings: {active_embedder(settings)}"
