"""A chat model wrapper that turns a remote backend's failures into one clear BackendError.

The wrapped model (e.g. langchain-openai's ChatOpenAI) keeps its own timeouts and its
retries with backoff; what finally fails is translated by `translate`, which names the
setting to fix. It also counts prompt tokens offline and carries the context size, and
keeps alive what the backend needs (e.g. the llama.cpp server it talks to).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

Translate = Callable[[Exception], Exception | None]
CountMessages = Callable[[list[BaseMessage]], int]

# OpenAI's accounting for chat prompts: a few tokens per message and for the reply.
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY = 3


class GuardedChatModel(BaseChatModel):
    """Delegates to `inner`; failures come out as what `translate` makes of them."""

    inner: BaseChatModel
    translate: Translate
    context_size: int
    count_text: Callable[[str], int]
    count_messages: CountMessages | None = None
    _keep_alive: list[Any] = PrivateAttr(default_factory=list)
    # Called before every request: e.g. restart a local server that died since the last one.
    _before_call: Callable[[], None] | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return f"guarded-{self.inner._llm_type}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return dict(self.inner._identifying_params)

    def keep_alive(self, resource: Any) -> None:
        """Tie a resource's life (e.g. a server process) to this model."""
        self._keep_alive.append(resource)

    def get_num_tokens(self, text: str) -> int:
        return self.count_text(text)

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Any = None) -> int:
        if self.count_messages is not None:
            return self.count_messages(messages)
        return TOKENS_PER_REPLY + sum(
            TOKENS_PER_MESSAGE + self.count_text(m.text) for m in messages
        )

    def before_each_call(self, hook: Callable[[], None]) -> None:
        self._before_call = hook

    def _prepare(self) -> None:
        if self._before_call is not None:
            self._before_call()

    def _fail(self, exc: Exception) -> Exception:
        return self.translate(exc) or exc

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._prepare()
        try:
            return self.inner._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        except Exception as exc:
            raise self._fail(exc) from exc

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self._prepare()
        try:
            yield from self.inner._stream(messages, stop=stop, run_manager=run_manager, **kwargs)
        except Exception as exc:
            raise self._fail(exc) from exc

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._prepare()
        try:
            return await self.inner._agenerate(
                messages, stop=stop, run_manager=run_manager, **kwargs
            )
        except Exception as exc:
            raise self._fail(exc) from exc

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        self._prepare()
        try:
            async for chunk in self.inner._astream(
                messages, stop=stop, run_manager=run_manager, **kwargs
            ):
                yield chunk
        except Exception as exc:
            raise self._fail(exc) from exc
