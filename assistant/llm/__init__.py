"""Chat-model, embedder and token-counter factories: the package that owns every backend.

`make_chat_model(settings)` and `make_embeddings(settings)` return LangChain
`BaseChatModel` / `Embeddings` for the backend the settings select; one module per
backend, and only this package imports a provider SDK:

    local              the verified GGUF on llama.cpp, in this process (local_llama.py) or
                       as a llama.cpp server on 127.0.0.1 (llama_server.py); EmbeddingGemma
                       on ONNX Runtime (gemma_onnx.py, gemma_graph.py) or on
                       sentence-transformers (local_embeddings.py)
    openai             OpenAI with OPENAI_API_KEY (default gpt-4o-mini /
                       text-embedding-3-small)                          (openai_backend.py)
    openai-compatible  any server speaking the OpenAI API: base_url + model (+ api_key)
    fake               ScriptedChatModel / FakeEmbeddings (assistant.fakes), for tests and demos

SDKs are imported inside the functions that use them, so importing this package loads no
model and touches no network. Local model files are fetched and verified on first use.
For context budgets use `context_window(model, settings)` and
`count_prompt_tokens(model, messages, settings)`: the model's own tokenizer and chat
template when it has them (local models), else exact tiktoken counts.
"""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.config import Settings, public_url
from assistant.errors import ConfigError
from assistant.fakes import FakeEmbeddings, ScriptedChatModel, extractive_reply
from assistant.llm.guarded import GuardedChatModel
from assistant.llm.local_llama import LocalLlamaChatModel
from assistant.models import local_chat_model_path, local_embedder_path
from assistant.models.status import DEFAULT_OPENAI_CHAT, DEFAULT_OPENAI_EMBEDDER
from assistant.tokens import TokenCounter, ranks_path

__all__ = [
    "context_window",
    "count_prompt_tokens",
    "make_chat_model",
    "make_embeddings",
    "make_judge_model",
    "make_token_counter",
]


def make_token_counter(
    settings: Settings, *, fetch_missing: bool = True, progress: bool = True
) -> TokenCounter:
    """Exact offline token counts (tiktoken's o200k_base), the ranks fetched and verified
    on first use like any other model file."""
    if fetch_missing and not ranks_path(settings.paths.models).is_file():
        from assistant.models import ensure_models

        ensure_models(settings, ["tokenizer"], progress=progress)
    return TokenCounter(settings.paths.models)


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
            from assistant.llm.llama_server import server_chat

            return server_chat(settings, path)
        from assistant.llm.local_llama import local_chat

        return local_chat(settings, path)
    from assistant.llm.openai_backend import remote_chat

    count_text = make_token_counter(settings, fetch_missing=fetch_missing).count
    if backend == "openai":
        if settings.openai_api_key is None:
            raise ConfigError(
                "llm.backend is 'openai' but no OpenAI API key is set.",
                hint="Set OPENAI_API_KEY, or choose another llm.backend (local works offline).",
            )
        return remote_chat(
            settings,
            base_url=None,
            api_key=settings.openai_api_key.get_secret_value(),
            model=settings.llm.model or DEFAULT_OPENAI_CHAT,
            where="OpenAI",
            settings_names=("the network connection", "OPENAI_API_KEY", "llm.model"),
            count_text=count_text,
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
    return remote_chat(
        settings,
        base_url=settings.llm.base_url,
        api_key=key,
        model=settings.llm.model,
        where=public_url(settings.llm.base_url),
        settings_names=("llm.base_url", "llm.api_key", "llm.model"),
        count_text=count_text,
    )


def make_judge_model(settings: Settings) -> BaseChatModel | None:
    """The chat model that judges answers in eval runs (eval.judge_*), or None when off."""
    cfg = settings.eval
    if cfg.judge_backend == "none":
        return None
    if cfg.judge_backend == "openai-compatible" and not (cfg.judge_base_url and cfg.judge_model):
        raise ConfigError(
            "The judge needs eval.judge_base_url and eval.judge_model.",
            hint="Set both, or eval.judge_backend=none to skip judging.",
        )
    llm = settings.llm.model_copy(
        update={
            "backend": cfg.judge_backend,
            "model": cfg.judge_model,
            "base_url": cfg.judge_base_url,
            "api_key": cfg.judge_api_key,
            "temperature": 0.0,
            "max_answer_tokens": 8,
        }
    )
    return make_chat_model(settings.model_copy(update={"llm": llm}))


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


def make_embeddings(
    settings: Settings, *, fetch_missing: bool = True, progress: bool = True
) -> Embeddings:
    """The embedder the settings select (see the module docstring)."""
    backend = settings.embedder.backend
    if backend == "fake":
        return FakeEmbeddings()
    if backend == "local":
        from assistant.llm.local_embeddings import local_embeddings

        path = local_embedder_path(settings, fetch=fetch_missing, progress=progress)
        return local_embeddings(settings, path, progress=progress)
    from assistant.llm.openai_backend import remote_embeddings

    if backend == "openai":
        if settings.openai_api_key is None:
            raise ConfigError(
                "embedder.backend is 'openai' but no OpenAI API key is set.",
                hint="Set OPENAI_API_KEY, or choose another embedder.backend.",
            )
        return remote_embeddings(
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
    return remote_embeddings(
        settings,
        base_url=settings.embedder.base_url,
        api_key=key,
        model=settings.embedder.model,
        where=public_url(settings.embedder.base_url),
        settings_names=("embedder.base_url", "embedder.api_key", "embedder.model"),
    )
