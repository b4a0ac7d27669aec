"""End-to-end smoke tests on real local models: SmolLM2-135M through the same code path as
the default chat model (in-process and as a llama.cpp server), and the real embedder.

`make test` fetches these models into the user cache first; they are skipped only when
the files are not there (e.g. pytest run by hand on a fresh machine).
"""

from __future__ import annotations

import math

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.config import Settings, load_settings
from assistant.errors import BackendError, ModelError
from assistant.llm import count_prompt_tokens, make_chat_model, make_embeddings
from assistant.llm.local_llama import LocalLlamaChatModel

pytestmark = pytest.mark.models

SMOKE_MODEL = "smollm2-135m-instruct"
MESSAGES = [SystemMessage("You are a helpful assistant."), HumanMessage("Say hello.")]


def smoke_settings(**llm) -> Settings:
    return load_settings(
        {"llm": {"backend": "local", "model": SMOKE_MODEL, "max_answer_tokens": 16, **llm}},
        env_file=None,
    )


def chat_or_skip(settings: Settings):
    try:
        return make_chat_model(settings, fetch_missing=False, progress=False)
    except ModelError as exc:
        pytest.skip(f"{SMOKE_MODEL} is not fetched: {exc}")


def test_smollm2_streams_in_process() -> None:
    settings = smoke_settings(context_size=1024, threads=1)
    model = chat_or_skip(settings)
    assert isinstance(model, LocalLlamaChatModel)
    chunks = list(model.stream(MESSAGES))
    text = "".join(chunk.content for chunk in chunks)
    assert text.strip()
    assert 1 <= len([c for c in chunks if c.content]) <= 16
    prompt_tokens = count_prompt_tokens(model, MESSAGES, settings)
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    assert usage[-1]["input_tokens"] == prompt_tokens
    assert prompt_tokens > model.get_num_tokens("You are a helpful assistant. Say hello.")


def test_the_same_prompt_gets_the_same_reply_whatever_ran_before() -> None:
    # A high temperature makes every reply a draw: only the fixed seed makes them repeat.
    settings = smoke_settings(context_size=1024, threads=1, temperature=1.5)
    model = chat_or_skip(settings)
    first = model.invoke(MESSAGES).content
    model.invoke([HumanMessage("Name a colour.")])
    assert model.invoke(MESSAGES).content == first
    other_seed = smoke_settings(context_size=1024, threads=1, temperature=1.5, seed=7)
    replies = {chat_or_skip(other_seed).invoke(MESSAGES).content for _ in range(2)}
    assert len(replies) == 1


@pytest.mark.server
def test_smollm2_streams_through_the_llama_cpp_server() -> None:
    settings = smoke_settings(context_size=1024, threads=1, local_mode="server")
    model = chat_or_skip(settings)
    server = model._keep_alive[0]
    try:
        assert server.running
        assert server.base_url.startswith("http://127.0.0.1:")
        text = "".join(chunk.content for chunk in model.stream(MESSAGES))
        assert text.strip()
        assert model.get_num_tokens_from_messages(MESSAGES) > 5
    finally:
        server.stop()
    assert not server.running


@pytest.mark.server
def test_a_llama_cpp_server_that_died_is_started_again_for_the_next_request() -> None:
    settings = smoke_settings(context_size=1024, threads=1, local_mode="server")
    model = chat_or_skip(settings)
    server = model._keep_alive[0]
    try:
        port = server.port
        server._process.kill()  # the server dies between two questions
        server._process.wait(timeout=10)
        text = "".join(chunk.content for chunk in model.stream(MESSAGES))
        assert text.strip() and server.running and server.port == port
    finally:
        server.stop()


def test_a_local_reply_that_runs_too_long_is_stopped() -> None:
    settings = smoke_settings(
        context_size=1024, threads=1, timeout_s=0.01, max_answer_tokens=256, temperature=1.0
    )
    model = chat_or_skip(settings)
    with pytest.raises(BackendError, match="still writing"):
        list(model.stream([HumanMessage("Count from one to two hundred in words.")]))
    model.time_limit_s = 60.0
    assert model.invoke(MESSAGES, max_tokens=4).content  # the engine is free again


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_real_embedder_ranks_the_related_passage_first() -> None:
    settings = load_settings({"embedder": {"backend": "local"}}, env_file=None)
    try:
        embeddings = make_embeddings(settings, fetch_missing=False, progress=False)
    except ModelError as exc:
        pytest.skip(f"the embedder is not fetched: {exc}")
    passages = embeddings.embed_documents(
        ["检索增强生成把检索到的文档交给语言模型来回答问题。", "Bananas are rich in potassium."]
    )
    query = embeddings.embed_query("What is retrieval-augmented generation?")
    assert len(query) == len(passages[0]) == 768
    assert math.isclose(math.sqrt(sum(x * x for x in query)), 1.0, rel_tol=1e-4)
    assert cosine(query, passages[0]) > cosine(query, passages[1]) + 0.1
