"""Chat-model and embedder factories: the one module that imports provider SDKs.

`make_chat_model(settings)` and `make_embeddings(settings)` return LangChain
`BaseChatModel` / `Embeddings` for the backend the settings select:

    local              the verified GGUF on llama.cpp, in this process or as a llama.cpp
                       server on 127.0.0.1 (llm.local_mode); EmbeddingGemma on
                       ONNX Runtime (or sentence-transformers) for embeddings
    openai             OpenAI with OPENAI_API_KEY (default gpt-4o-mini /
                       text-embedding-3-small)
    openai-compatible  any server speaking the OpenAI API: base_url + model (+ api_key)
    fake               ScriptedChatModel / FakeEmbeddings, for tests and demos

SDKs are imported inside the functions, so importing this module loads no model and
touches no network. For context budgets use `context_window(model, settings)` and
`count_prompt_tokens(model, messages, settings)`: they use the model's own tokenizer
and chat template when it has them (local models), else exact tiktoken counts.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.chat_models.guarded import GuardedChatModel, Translate
from assistant.chat_models.llama_server import LlamaServer
from assistant.chat_models.local_llama import LocalLlamaChatModel, Renderer, as_role_dicts
from assistant.config import Settings
from assistant.embedders.local import LocalOnnxEmbeddings, LocalSentenceEmbeddings
from assistant.embedders.openai_compatible import OpenAICompatibleEmbeddings
from assistant.errors import BackendError, ConfigError, ModelError
from assistant.fakes import FakeEmbeddings, ScriptedChatModel, extractive_reply
from assistant.models import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDER,
    local_chat_model_path,
    local_embedder_path,
)
from assistant.models.status import DEFAULT_OPENAI_CHAT, DEFAULT_OPENAI_EMBEDDER
from assistant.tokens import TokenCounter, ranks_path

# Texts per /v1/embeddings request at least: servers batch better than a small CPU.
REMOTE_EMBED_BATCH = 64

# Context windows of the default remote models, used when the settings do not say.
KNOWN_CONTEXT = {"gpt-4o-mini": 128_000, "gpt-4o": 128_000, "gpt-4.1-mini": 1_000_000}


# ---------------------------------------------------------------- token counts


def make_token_counter(
    settings: Settings, *, fetch_missing: bool = True, progress: bool = True
) -> TokenCounter:
    """Exact offline token counts (tiktoken's o200k_base), the ranks fetched and verified
    on first use like any other model file."""
    if fetch_missing and not ranks_path(settings.paths.models).is_file():
        from assistant.models import ensure_models

        ensure_models(settings, ["tokenizer"], progress=progress)
    return TokenCounter(settings.paths.models)


# ---------------------------------------------------------------- chat models


def make_chat_model(
    settings: Settings, *, fetch_missing: bool = True, progress: bool = True
) -> BaseChatModel:
    """The chat model the settings select (see the module docstring)."""
    backend = settings.resolved_llm_backend()
    if backend == "fake":
        return ScriptedChatModel(script=[extractive_reply])  # cites source [1]: a usable demo
    if backend == "local":
        path = local_chat_model_path(settings, fetch=fetch_missing, progress=progress)
        if settings.llm.local_mode == "server":
            return _local_server_chat(settings, path)
        return _local_chat(settings, path)
    if backend == "openai":
        if settings.openai_api_key is None:
            raise ConfigError(
                "llm.backend is 'openai' but no OpenAI API key is set.",
                hint="Set OPENAI_API_KEY, or choose another llm.backend (local works offline).",
            )
        model = settings.llm.model or DEFAULT_OPENAI_CHAT
        return _remote_chat(
            settings,
            base_url=None,
            api_key=settings.openai_api_key.get_secret_value(),
            model=model,
            where="OpenAI",
            settings_names=("the network connection", "OPENAI_API_KEY", "llm.model"),
        )
    if not settings.llm.base_url:
        raise ConfigError(
            "llm.backend is 'openai-compatible' but llm.base_url is not set.",
            hint="Set ASSISTANT_LLM__BASE_URL, e.g. http://127.0.0.1:8000/v1.",
        )
    if not settings.llm.model:
        raise ConfigError(
            "llm.backend is 'openai-compatible' but llm.model is not set.",
            hint="Set ASSISTANT_LLM__MODEL to a model name the server serves.",
        )
    key = settings.llm.api_key.get_secret_value() if settings.llm.api_key else "unused"
    return _remote_chat(
        settings,
        base_url=settings.llm.base_url,
        api_key=key,
        model=settings.llm.model,
        where=settings.llm.base_url,
        settings_names=("llm.base_url", "llm.api_key", "llm.model"),
    )


def _threads(settings: Settings) -> int:
    return settings.llm.threads or os.cpu_count() or 1


def load_llama(
    path: Path, settings: Settings, *, vocab_only: bool = False, prompt_cache_mb: int = 0
) -> Any:
    """A llama_cpp.Llama for `path` with the context size and threads of the settings."""
    from llama_cpp import Llama, LlamaRAMCache

    threads = _threads(settings)
    try:
        llama = Llama(
            model_path=str(path),
            n_ctx=settings.llm.context_size,
            n_threads=threads,
            n_threads_batch=threads,
            vocab_only=vocab_only,
            verbose=False,
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


def _local_chat(settings: Settings, path: Path) -> LocalLlamaChatModel:
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
    )


def _local_server_chat(settings: Settings, path: Path) -> GuardedChatModel:
    """The GGUF behind a llama.cpp server on 127.0.0.1, stopped with this process."""
    alias = settings.llm.model or DEFAULT_CHAT_MODEL
    server = LlamaServer(
        path,
        alias=alias,
        context_size=settings.llm.context_size,
        threads=_threads(settings),
        prompt_cache_mb=settings.llm.prompt_cache_mb,
        start_timeout_s=settings.llm.server_start_timeout_s,
    )
    base_url = server.start()
    # The tokenizer alone (no weights) gives exact prompt counts in this process.
    vocab = load_llama(path, settings, vocab_only=True)
    render = chat_renderer(vocab)
    model = _remote_chat(
        settings,
        base_url=base_url,
        api_key="local",
        model=alias,
        where=f"the local llama.cpp server ({base_url})",
        settings_names=("llm.local_mode", "llm.local_mode", "llm.model"),
        count_text=lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False)),
        count_messages=lambda messages: len(render(as_role_dicts(messages))[0]),
        context_size=settings.llm.context_size,
        extra_body={"repeat_penalty": settings.llm.repeat_penalty, "seed": settings.llm.seed},
    )
    model.keep_alive(server)
    weakref.finalize(model, server.stop)
    return model


def _remote_chat(
    settings: Settings,
    *,
    base_url: str | None,
    api_key: str,
    model: str,
    where: str,
    settings_names: tuple[str, str, str],
    count_text: Any = None,
    count_messages: Any = None,
    context_size: int | None = None,
    extra_body: dict[str, Any] | None = None,
) -> GuardedChatModel:
    from langchain_openai import ChatOpenAI

    body = dict(extra_body or {})
    params: dict[str, Any] = {}
    if base_url is None:
        params["max_tokens"] = settings.llm.max_answer_tokens
    else:
        # Servers that are not OpenAI know `max_tokens`, not always `max_completion_tokens`.
        body["max_tokens"] = settings.llm.max_answer_tokens
    inner = ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=api_key,
        temperature=settings.llm.temperature,
        timeout=settings.llm.timeout_s,
        max_retries=settings.llm.max_retries,
        extra_body=body or None,
        **params,
    )
    if count_text is None:
        count_text = make_token_counter(settings).count
    return GuardedChatModel(
        inner=inner,
        translate=openai_error_translator(
            where, *settings_names, timeout_setting="llm.timeout_s", timeout=settings.llm.timeout_s
        ),
        context_size=context_size or KNOWN_CONTEXT.get(model, settings.llm.context_size),
        count_text=count_text,
        count_messages=count_messages,
    )


def openai_error_translator(
    where: str,
    url_setting: str,
    key_setting: str,
    model_setting: str,
    *,
    timeout_setting: str,
    timeout: float,
) -> Translate:
    """Maps the openai SDK's final errors to one BackendError naming the setting to fix."""

    def translate(exc: Exception) -> Exception | None:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return BackendError(
                f"{where} did not answer within {timeout:g} s (retries included).",
                hint=f"Check that the server is up and {url_setting} is right, or raise "
                f"{timeout_setting}.",
            )
        if isinstance(exc, openai.APIConnectionError):
            return BackendError(
                f"Could not connect to {where}: {exc.__cause__ or exc}.",
                hint=f"Start the server or fix {url_setting}.",
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return BackendError(
                f"{where} refused the API key (HTTP {exc.status_code}).", hint=f"Fix {key_setting}."
            )
        if isinstance(exc, openai.NotFoundError):
            return BackendError(
                f"{where} does not know the requested model or path (HTTP 404): {exc.message}",
                hint=f"Fix {model_setting} (and {url_setting}, which usually ends in /v1).",
            )
        if isinstance(exc, openai.RateLimitError):
            return BackendError(
                f"{where} kept refusing with 'rate limited' after the retries.",
                hint="Wait a minute, or raise llm.max_retries.",
            )
        if isinstance(exc, openai.APIStatusError):
            return BackendError(
                f"{where} answered HTTP {exc.status_code}: {exc.message}",
                hint=f"Check {url_setting} and {model_setting}.",
            )
        return None

    return translate


def context_window(model: BaseChatModel, settings: Settings) -> int:
    """Tokens the model can see at once."""
    return int(getattr(model, "context_size", None) or settings.llm.context_size)


def count_prompt_tokens(
    model: BaseChatModel, messages: list[BaseMessage], settings: Settings
) -> int:
    """Prompt tokens of `messages` for `model`, offline."""
    if isinstance(model, LocalLlamaChatModel | GuardedChatModel):
        return model.get_num_tokens_from_messages(messages)
    counter = make_token_counter(settings)
    return 3 + sum(4 + counter.count(m.text) for m in messages)


# ---------------------------------------------------------------- embeddings


def make_embeddings(
    settings: Settings, *, fetch_missing: bool = True, progress: bool = True
) -> Embeddings:
    """The embedder the settings select (see the module docstring)."""
    backend = settings.embedder.backend
    if backend == "fake":
        return FakeEmbeddings()
    if backend == "local":
        path = local_embedder_path(settings, fetch=fetch_missing, progress=progress)
        if settings.embedder.runtime == "onnx":
            from assistant.embedders.gemma_onnx import GemmaOnnxEncoder

            encoder = GemmaOnnxEncoder(
                path,
                cache_dir=settings.paths.models / "onnx",
                precision=settings.embedder.onnx_precision,
                max_seq_length=settings.embedder.max_seq_length,
                threads=settings.embedder.threads,
                progress=progress,
            )
            return LocalOnnxEmbeddings(
                encoder, name=settings.embedder.model or DEFAULT_EMBEDDER, progress=progress
            )
        return LocalSentenceEmbeddings(
            load_sentence_transformer(path, settings),
            name=settings.embedder.model or DEFAULT_EMBEDDER,
            batch_size=settings.embedder.batch_size,
            progress=progress,
        )
    if backend == "openai":
        if settings.openai_api_key is None:
            raise ConfigError(
                "embedder.backend is 'openai' but no OpenAI API key is set.",
                hint="Set OPENAI_API_KEY, or choose another embedder.backend.",
            )
        return _remote_embeddings(
            settings,
            base_url=None,
            api_key=settings.openai_api_key.get_secret_value(),
            model=settings.embedder.model or DEFAULT_OPENAI_EMBEDDER,
            where="OpenAI",
            settings_names=("the network connection", "OPENAI_API_KEY", "embedder.model"),
        )
    if not settings.embedder.base_url or not settings.embedder.model:
        missing = "embedder.base_url" if not settings.embedder.base_url else "embedder.model"
        raise ConfigError(
            f"embedder.backend is 'openai-compatible' but {missing} is not set.",
            hint="Set ASSISTANT_EMBEDDER__BASE_URL (e.g. http://127.0.0.1:8000/v1) and "
            "ASSISTANT_EMBEDDER__MODEL.",
        )
    key = settings.embedder.api_key.get_secret_value() if settings.embedder.api_key else "unused"
    return _remote_embeddings(
        settings,
        base_url=settings.embedder.base_url,
        api_key=key,
        model=settings.embedder.model,
        where=settings.embedder.base_url,
        settings_names=("embedder.base_url", "embedder.api_key", "embedder.model"),
    )


def load_sentence_transformer(path: Path, settings: Settings) -> Any:
    """The local sentence-transformers model on CPU, with the hub switched off."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # before the import: nothing may try the network
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from sentence_transformers import SentenceTransformer

    if settings.embedder.threads:
        torch.set_num_threads(settings.embedder.threads)
    dtype = torch.bfloat16 if settings.embedder.dtype == "bfloat16" else torch.float32
    try:
        model = SentenceTransformer(
            str(path), device="cpu", local_files_only=True, model_kwargs={"torch_dtype": dtype}
        )
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"sentence-transformers could not load {path} ({exc}).",
            hint="Check embedder.model_path, or run `assistant models fetch embedder`.",
        ) from None
    model.max_seq_length = settings.embedder.max_seq_length
    return model


def _remote_embeddings(
    settings: Settings,
    *,
    base_url: str | None,
    api_key: str,
    model: str,
    where: str,
    settings_names: tuple[str, str, str],
) -> OpenAICompatibleEmbeddings:
    import openai

    client = openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        timeout=settings.embedder.timeout_s,
        max_retries=settings.embedder.max_retries,
    )
    return OpenAICompatibleEmbeddings(
        client,
        model=model,
        batch_size=max(settings.embedder.batch_size, REMOTE_EMBED_BATCH),
        translate=openai_error_translator(
            where,
            *settings_names,
            timeout_setting="embedder.timeout_s",
            timeout=settings.embedder.timeout_s,
        ),
    )
