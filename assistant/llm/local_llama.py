"""A LangChain chat model over an in-process llama.cpp engine (llama_cpp.Llama).

The chat template of the GGUF turns messages into tokens (`render`, built by the
factory), so the same tokens are counted for the context budget and sent to the engine.
The engine reuses the KV cache of the longest common prefix with the previous prompt,
so a system prompt repeated at the start of every prompt is evaluated once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.config import Settings
from assistant.errors import BackendError, ModelError
from assistant.models.specs import DEFAULT_CHAT_MODEL

# messages as [{"role": ..., "content": ...}] -> (prompt tokens, stop strings of the template)
Renderer = Callable[[list[dict[str, str]]], tuple[list[int], list[str]]]


def as_role_dicts(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as the role/content dicts chat templates expect."""
    roles = {SystemMessage: "system", HumanMessage: "user", AIMessage: "assistant"}
    out = []
    for message in messages:
        role = next((r for cls, r in roles.items() if isinstance(message, cls)), "user")
        out.append({"role": role, "content": message.text})
    return out


class LocalLlamaChatModel(BaseChatModel):
    """Streams completions from a llama.cpp engine; one call at a time per engine."""

    engine: Any
    render: Renderer
    model_name: str
    context_size: int
    max_tokens: int = 512
    temperature: float = 0.1
    repeat_penalty: float = 1.1
    seed: int = 0
    time_limit_s: float = 120.0  # a reply still running after this is stopped
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-local"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "context_size": self.context_size}

    def get_num_tokens(self, text: str) -> int:
        """Tokens of `text` for this model's own tokenizer."""
        return len(self.engine.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Any = None) -> int:
        """Exact prompt tokens of `messages` once the chat template is applied."""
        return len(self.render(as_role_dicts(messages))[0])

    def _pieces(
        self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
    ) -> Iterator[tuple[str, str | None, int]]:
        """(text, finish reason or None, prompt tokens) for each generated piece."""
        tokens, template_stops = self.render(as_role_dicts(messages))
        room = self.context_size - len(tokens)
        if room < 16:
            raise BackendError(
                f"The prompt has {len(tokens)} tokens and does not fit the local model's "
                f"context of {self.context_size} tokens.",
                hint="Raise llm.context_size, or shorten the question or the retrieved context.",
            )
        with self._lock:
            stream = self.engine.create_completion(
                prompt=tokens,
                max_tokens=min(kwargs.get("max_tokens", self.max_tokens), room),
                temperature=kwargs.get("temperature", self.temperature),
                repeat_penalty=self.repeat_penalty,
                # A fixed seed per call: the same prompt gets the same reply, whatever ran
                # before it (evaluation runs are repeatable and comparable).
                seed=kwargs.get("seed", self.seed),
                stop=[*template_stops, *(stop or [])],
                stream=True,
            )
            deadline = time.monotonic() + self.time_limit_s
            for chunk in stream:
                choice = chunk["choices"][0]
                yield choice.get("text") or "", choice.get("finish_reason"), len(tokens)
                if time.monotonic() > deadline:
                    stream.close()  # frees the engine for the next request
                    raise BackendError(
                        f"The local model was still writing after {self.time_limit_s:g} s "
                        "and was stopped.",
                        hint="Raise llm.timeout_s, or lower llm.max_answer_tokens.",
                    )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        generated = 0
        prompt_tokens = 0
        finish = None
        for text, reason, prompt_count in self._pieces(messages, stop, **kwargs):
            prompt_tokens, finish = prompt_count, reason or finish
            if not text:
                continue
            generated += 1
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
            if run_manager:
                run_manager.on_llm_new_token(text, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata={
                    "input_tokens": prompt_tokens,
                    "output_tokens": generated,
                    "total_tokens": prompt_tokens + generated,
                },
                response_metadata={"finish_reason": finish, "model_name": self.model_name},
            )
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        merged: ChatGenerationChunk | None = None
        for chunk in self._stream(messages, stop, run_manager, **kwargs):
            merged = chunk if merged is None else merged + chunk
        assert merged is not None
        message = AIMessage(
            content=merged.message.content,
            usage_metadata=merged.message.usage_metadata,
            response_metadata=merged.message.response_metadata,
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def threads_of(settings: Settings) -> int:
    """CPU threads for the local model: llm.threads, else every core."""
    return settings.llm.threads or os.cpu_count() or 1


def load_llama(
    path: Path,
    settings: Settings,
    *,
    vocab_only: bool = False,
    prompt_cache_mb: int = 0,
    embedding: bool = False,
) -> Any:
    """A llama_cpp.Llama for `path` with the context size and threads of the settings
    (`embedding=True`: an embedding GGUF, whole context in one batch)."""
    from llama_cpp import Llama, LlamaRAMCache

    threads = threads_of(settings)
    window = settings.llm.context_size
    batches = {"n_batch": window, "n_ubatch": window} if embedding else {}
    try:
        llama = Llama(
            model_path=str(path),
            n_ctx=window,
            n_threads=threads,
            n_threads_batch=threads,
            vocab_only=vocab_only,
            embedding=embedding,
            verbose=False,
            **batches,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelError(
            f"llama.cpp could not load {path} ({exc}).",
            hint="Check llm.model_path (a GGUF file), or run `assistant models fetch chat`.",
        ) from None
    if prompt_cache_mb:
        llama.set_cache(LlamaRAMCache(capacity_bytes=prompt_cache_mb << 20))
    return llama


def chat_renderer(llama: Any) -> Renderer:
    """Messages -> prompt tokens through the GGUF's own chat template."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise ModelError(
            "The GGUF file has no chat template, so it cannot be used as a chat model.",
            hint="Use an instruct (chat) GGUF in llm.model_path.",
        )
    eos_id, bos_id = llama.token_eos(), llama.token_bos()

    def text_of(token: int) -> str:
        if token < 0:
            return ""
        return llama.detokenize([token], special=True).decode("utf-8", errors="ignore")

    formatter = Jinja2ChatFormatter(
        template=template, eos_token=text_of(eos_id), bos_token=text_of(bos_id)
    )

    def render(messages: list[dict[str, str]]) -> tuple[list[int], list[str]]:
        result = formatter(messages=messages)
        tokens = llama.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )
        stop = result.stop or []
        return tokens, [stop] if isinstance(stop, str) else [s for s in stop if s]

    return render


def local_chat(settings: Settings, path: Path) -> LocalLlamaChatModel:
    """The GGUF in this process, with the context, sampling and threads of the settings."""
    llama = load_llama(path, settings, prompt_cache_mb=settings.llm.prompt_cache_mb)
    return LocalLlamaChatModel(
        engine=llama,
        render=chat_renderer(llama),
        model_name=settings.llm.model or DEFAULT_CHAT_MODEL,
        context_size=settings.llm.context_size,
        max_tokens=settings.llm.max_answer_tokens,
        temperature=settings.llm.temperature,
        repeat_penalty=settings.llm.repeat_penalty,
        seed=settings.llm.seed,
        time_limit_s=settings.llm.timeout_s,
    )
