"""The chat and embedding factories: selection from settings, remote servers, failures."""

from __future__ import annotations

import socket
import time

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.config import load_settings
from assistant.errors import BackendError, ConfigError, ModelError
from assistant.fakes import FakeEmbeddings, ScriptedChatModel
from assistant.llm import context_window, count_prompt_tokens, make_chat_model, make_embeddings
from assistant.llm.guarded import GuardedChatModel
from assistant.llm.openai_embeddings import OpenAICompatibleEmbeddings
from tests.openai_stub import OpenAIStub, SilentServer

QUESTION = [SystemMessage("Answer briefly."), HumanMessage("What is RAG?")]


def settings(**sections):
    return load_settings(sections, env_file=None)


def test_fake_backends() -> None:
    s = settings(llm={"backend": "fake"}, embedder={"backend": "fake"})
    assert isinstance(make_chat_model(s), ScriptedChatModel)
    assert isinstance(make_embeddings(s), FakeEmbeddings)


def test_auto_picks_the_compatible_server_when_base_url_is_set() -> None:
    s = settings(llm={"base_url": "http://127.0.0.1:9/v1", "model": "qwen"})
    model = make_chat_model(s)
    assert isinstance(model, GuardedChatModel)
    assert model.inner.openai_api_base == "http://127.0.0.1:9/v1"
    assert model.inner.model_name == "qwen"
    assert context_window(model, s) == s.llm.context_size


def test_openai_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"OPENAI_API_KEY"):
        make_chat_model(settings(llm={"backend": "openai"}))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    s = load_settings(env_file=None)
    assert s.resolved_llm_backend() == "openai"
    model = make_chat_model(s)
    assert model.inner.model_name == "gpt-4o-mini"
    assert context_window(model, s) == 128_000


def test_compatible_backend_names_missing_settings() -> None:
    with pytest.raises(ConfigError, match=r"llm.base_url"):
        make_chat_model(settings(llm={"backend": "openai-compatible", "model": "m"}))
    with pytest.raises(ConfigError, match=r"llm.model"):
        make_chat_model(settings(llm={"base_url": "http://127.0.0.1:9/v1"}))
    with pytest.raises(ConfigError, match=r"embedder.base_url"):
        make_embeddings(settings(embedder={"backend": "openai-compatible", "model": "e"}))


def test_local_backend_unknown_model_or_missing_files(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"llm.model 'nope'"):
        make_chat_model(settings(llm={"backend": "local", "model": "nope"}))
    s = settings(llm={"backend": "local"}, paths={"models": str(tmp_path / "empty")})
    with pytest.raises(ModelError, match=r"assistant models fetch qwen2.5-coder-1.5b-instruct"):
        make_chat_model(s, fetch_missing=False)
    with pytest.raises(ConfigError, match=r"llm.model_path"):
        make_chat_model(
            settings(llm={"backend": "local", "model_path": str(tmp_path / "none.gguf")})
        )


def test_chat_through_a_compatible_server_plain_and_streamed() -> None:
    with OpenAIStub(reply="Retrieval augmented generation [1].") as stub:
        s = settings(llm={"base_url": stub.base_url, "model": "served-model", "api_key": "k"})
        model = make_chat_model(s)
        assert model.invoke(QUESTION).content == "Retrieval augmented generation [1]."
        streamed = "".join(chunk.content for chunk in model.stream(QUESTION))
        assert streamed.strip() == "Retrieval augmented generation [1]."
        body = stub.requests[0]["body"]
        assert body["model"] == "served-model"
        assert body["max_tokens"] == s.llm.max_answer_tokens
        assert body["messages"][0] == {"role": "system", "content": "Answer briefly."}


def test_transient_errors_are_retried_with_backoff() -> None:
    with OpenAIStub(fail_first=1, status=503) as stub:
        s = settings(llm={"base_url": stub.base_url, "model": "m", "max_retries": 2})
        assert make_chat_model(s).invoke(QUESTION).content == "Stub answer [1]."
        assert len(stub.requests) == 2


def test_a_server_that_never_answers_times_out_naming_the_setting() -> None:
    with SilentServer() as silent:
        s = settings(
            llm={"base_url": silent.base_url, "model": "m", "timeout_s": 0.5, "max_retries": 1}
        )
        start = time.monotonic()
        with pytest.raises(BackendError, match=r"did not answer within 0\.5 s") as caught:
            make_chat_model(s).invoke(QUESTION)
        assert time.monotonic() - start < 10
        assert "llm.base_url" in str(caught.value)


def test_a_server_that_is_down_names_llm_base_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    s = settings(llm={"base_url": f"http://127.0.0.1:{port}/v1", "model": "m", "max_retries": 0})
    with pytest.raises(BackendError, match=r"Could not connect") as caught:
        list(make_chat_model(s).stream(QUESTION))
    assert "llm.base_url" in str(caught.value)


def test_a_refused_key_names_the_key_setting() -> None:
    with OpenAIStub(fail_first=5, status=401) as stub:
        s = settings(llm={"base_url": stub.base_url, "model": "m"})
        with pytest.raises(BackendError, match=r"llm.api_key"):
            make_chat_model(s).invoke(QUESTION)


def test_compatible_embeddings_send_plain_strings_as_floats() -> None:
    with OpenAIStub() as stub:
        s = settings(
            embedder={
                "base_url": stub.base_url,
                "model": "emb",
                "batch_size": 2,
                "backend": "openai-compatible",
            }
        )
        embeddings = make_embeddings(s)
        assert isinstance(embeddings, OpenAICompatibleEmbeddings)
        vectors = embeddings.embed_documents(["a", "bb", "ccc"] * 30)
        assert vectors[:3] == [[1.0, 0.0], [2.0, 1.0], [3.0, 2.0]]
        assert vectors[64:67] == [[2.0, 0.0], [3.0, 1.0], [1.0, 2.0]]
        assert embeddings.embed_query("dddd") == [4.0, 0.0]
        first = stub.requests[0]["body"]
        assert first["input"] == ["a", "bb", "ccc"] * 21 + ["a"]
        assert len(stub.requests) == 3
        assert first["encoding_format"] == "float"
        assert first["model"] == "emb"


def test_embeddings_server_down_names_embedder_base_url() -> None:
    with SilentServer() as silent:
        s = settings(
            embedder={
                "backend": "openai-compatible",
                "base_url": silent.base_url,
                "model": "e",
                "timeout_s": 0.3,
                "max_retries": 0,
            }
        )
        with pytest.raises(BackendError, match=r"embedder.base_url"):
            make_embeddings(s).embed_query("x")


def test_remote_prompt_tokens_are_counted_offline() -> None:
    s = settings(llm={"base_url": "http://127.0.0.1:9/v1", "model": "m"})
    model = make_chat_model(s)
    counted = count_prompt_tokens(model, QUESTION, s)
    assert counted == model.get_num_tokens_from_messages(QUESTION)
    assert 3 + 2 * 4 + 3 <= counted < 40
    assert count_prompt_tokens(ScriptedChatModel(), QUESTION, s) == counted
