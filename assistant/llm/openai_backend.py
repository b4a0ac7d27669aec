"""OpenAI and OpenAI-compatible servers (vLLM, Ollama, llama.cpp server, hosted APIs):
chat through langchain-openai, embeddings through the openai SDK, and the translation of
the SDK's final errors into one BackendError that names the setting to fix."""

from __future__ import annotations

from typing import Any

from assistant.config import Settings
from assistant.errors import BackendError
from assistant.llm.guarded import GuardedChatModel, Translate
from assistant.llm.openai_embeddings import OpenAICompatibleEmbeddings

# Texts per /v1/embeddings request at least: servers batch better than a small CPU.
REMOTE_EMBED_BATCH = 64

# Context windows of the default remote models, used when the settings do not say.
KNOWN_CONTEXT = {"gpt-4o-mini": 128_000, "gpt-4o": 128_000, "gpt-4.1-mini": 1_000_000}


def remote_chat(
    settings: Settings,
    *,
    base_url: str | None,
    api_key: str,
    model: str,
    where: str,
    settings_names: tuple[str, str, str],
    count_text: Any,
    count_messages: Any = None,
    context_size: int | None = None,
    extra_body: dict[str, Any] | None = None,
    connection_hint: str | None = None,
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
    return GuardedChatModel(
        inner=inner,
        translate=openai_error_translator(
            where,
            *settings_names,
            timeout_setting="llm.timeout_s",
            timeout=settings.llm.timeout_s,
            connection_hint=connection_hint,
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
    connection_hint: str | None = None,
) -> Translate:
    """Maps the openai SDK's final errors to one BackendError naming the setting to fix
    (`connection_hint`: what to do when the server cannot be reached, if not to start it)."""

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
                f"Could not connect to {where}: {str(exc.__cause__ or exc).rstrip('.')}.",
                hint=connection_hint or f"Start the server or fix {url_setting}.",
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


def remote_embeddings(
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
