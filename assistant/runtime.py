"""The one place that builds things: models, the store and the services, from the settings.

Entry points (the CLI, the web app, the eval runner, benches) make a Runtime and take
what they need from it; everything below receives its collaborators and never builds
one itself. Each piece is built on first use, once, so a command pays only for what it
touches (a no-op ingest never loads the embedder). Tests pass fakes in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from assistant.config import Settings

if TYPE_CHECKING:
    from assistant.answer.chain import AnswerService
    from assistant.digest.loader import DigestLoad
    from assistant.evals.judge import FaithfulnessJudge
    from assistant.index.ingest import IngestProgress, IngestReport
    from assistant.index.store import IndexStore
    from assistant.retrieval.retriever import Retriever
    from assistant.summarize import Summarizer
    from assistant.tokens import TokenCounter


class Runtime:
    """What the settings select, built lazily; close() releases the index."""

    def __init__(
        self,
        settings: Settings,
        *,
        chat_model: BaseChatModel | None = None,
        embeddings: Embeddings | None = None,
        counter: TokenCounter | None = None,
        store: IndexStore | None = None,
        model_progress: bool = True,
    ) -> None:
        """`model_progress=False` hides the models' own progress bars (a caller that shows
        its own, like ingest's)."""
        self.settings = settings
        self.model_progress = model_progress
        if chat_model is not None:
            self.chat_model = chat_model
        if embeddings is not None:
            self.embeddings = embeddings
        if counter is not None:
            self.counter = counter
        self._store = store
        self._owns_store = store is None

    # -- models ----------------------------------------------------------------------------

    @cached_property
    def counter(self) -> TokenCounter:
        from assistant.llm import make_token_counter

        return make_token_counter(self.settings)

    @cached_property
    def embeddings(self) -> Embeddings:
        from assistant.llm import make_embeddings

        return make_embeddings(self.settings, progress=self.model_progress)

    @cached_property
    def chat_model(self) -> BaseChatModel:
        from assistant.llm import make_chat_model

        return make_chat_model(self.settings, progress=self.model_progress)

    def fetch_models(self, *, chat: bool = True) -> None:
        """Fetch and verify every model file the settings use, before loading any."""
        from assistant.models import ensure_models

        ensure_models(self.settings, ["tokenizer", "embedder", *(["chat"] if chat else [])])

    # -- the index -------------------------------------------------------------------------

    @property
    def store(self) -> IndexStore:
        if self._store is None:
            from assistant.index.store import IndexStore

            self._store = IndexStore.open(self.settings)
        return self._store

    def ingest(
        self,
        load: DigestLoad,
        *,
        rebuild: bool = False,
        prune: bool = False,
        progress: Callable[[IngestProgress], None] | None = None,
        naming_progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Bring the index in line with `load`; the embedder (and the chat model, to name
        papers) are made only if needed."""
        from assistant.index.ingest import Namer, ingest
        from assistant.prompts import load_prompt

        namer = None
        if self.settings.index.model_names:
            template = load_prompt(self.settings.paths.prompts, "paper_name")
            namer = Namer(lambda: self.chat_model, template, naming_progress)
        return ingest(
            self.settings,
            load,
            store=self.store,
            embeddings=lambda: self.embeddings,
            counter=self.counter,
            namer=namer,
            rebuild=rebuild,
            prune=prune,
            progress=progress,
        )

    @cached_property
    def retriever(self) -> Retriever:
        from assistant.retrieval import open_retriever

        rerank_model = self.chat_model if self.settings.retrieval.rerank else None
        return open_retriever(
            self.settings,
            self.store,
            self.embeddings,
            chat_model=rerank_model,
            counter=self.counter,
        )

    # -- services --------------------------------------------------------------------------

    @cached_property
    def service(self) -> AnswerService:
        from assistant.answer.chain import AnswerService
        from assistant.answer.support import CrossLingualSupport

        support = CrossLingualSupport(
            self.embeddings,
            min_support=self.settings.answer.min_support,
            min_similarity=self.settings.answer.min_cross_similarity,
        )
        return AnswerService(
            self.settings,
            self.retriever,
            self.chat_model,
            count_tokens=self.counter.count,
            support=support,
        )

    @cached_property
    def summarizer(self) -> Summarizer:
        from assistant.summarize import Summarizer

        return Summarizer(
            self.settings,
            self.retriever,
            self.chat_model,
            self.embeddings,
            count_tokens=self.counter.count,
        )

    @cached_property
    def judge(self) -> FaithfulnessJudge | None:
        """The faithfulness judge of eval runs, or None when judging is off."""
        from assistant.evals.judge import FaithfulnessJudge
        from assistant.llm import make_judge_model

        model = make_judge_model(self.settings)
        return FaithfulnessJudge(self.settings, model) if model is not None else None

    def warm(self) -> None:
        """Build the services now (models loaded, index opened and checked), so that a
        broken model or index fails at start, not at the first question."""
        _ = self.service, self.summarizer

    def close(self) -> None:
        """Release the index (its folder lock, in local mode)."""
        if self._store is not None and self._owns_store:
            self._store.close()
            self._store = None

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def backend_label(settings: Settings) -> str:
    """What the UI and reports show as the active chat backend and embedder."""
    from assistant.models.status import active_chat, active_embedder

    return f"chat: {active_chat(settings)} — embeddings: {active_embedder(settings)}"
