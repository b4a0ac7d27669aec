"""The llama.cpp chat wrapper and server manager, with stand-in engines (no model load)."""

from __future__ import annotations

import sys

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from assistant.errors import BackendError
from assistant.llm.llama_server import LlamaServer
from assistant.llm.local_embeddings import LocalSentenceEmbeddings
from assistant.llm.local_llama import LocalLlamaChatModel


class EchoEngine:
    """Streams the reply word by word and records what it was asked."""

    def __init__(self, reply: str = "Hello from the engine.") -> None:
        self.reply = reply
        self.calls: list[dict] = []

    def tokenize(self, data: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        return list(range(len(data.split())))

    def create_completion(self, **kwargs):
        self.calls.append(kwargs)
        words = self.reply.split(" ")
        for n, word in enumerate(words):
            last = n == len(words) - 1
            text = word + ("" if last else " ")
            yield {"choices": [{"text": text, "finish_reason": "stop" if last else None}]}


def render(messages: list[dict[str, str]]) -> tuple[list[int], list[str]]:
    text = " ".join(f"<{m['role']}> {m['content']}" for m in messages)
    return list(range(len(text.split()))), ["<|end|>"]


def make(engine: EchoEngine, context_size: int = 4096) -> LocalLlamaChatModel:
    return LocalLlamaChatModel(
        engine=engine, render=render, model_name="echo", context_size=context_size, max_tokens=64
    )


MESSAGES = [
    SystemMessage("Be brief."),
    HumanMessage("Say hello"),
    AIMessage("hi"),
    HumanMessage("again"),
]


def test_streams_pieces_and_reports_usage() -> None:
    engine = EchoEngine()
    model = make(engine)
    chunks = list(model.stream(MESSAGES, stop=["\n\n"]))
    assert "".join(c.content for c in chunks) == "Hello from the engine."
    assert len([c for c in chunks if c.content]) == 4
    call = engine.calls[0]
    assert call["stream"] is True
    assert call["stop"] == ["<|end|>", "\n\n"]
    assert call["max_tokens"] == 64
    assert call["repeat_penalty"] == model.repeat_penalty
    assert len(call["prompt"]) == model.get_num_tokens_from_messages(MESSAGES)


def test_invoke_joins_the_stream_with_usage() -> None:
    reply = make(EchoEngine()).invoke(MESSAGES)
    assert reply.content == "Hello from the engine."
    assert reply.usage_metadata["output_tokens"] == 4
    assert reply.response_metadata["finish_reason"] == "stop"


def test_roles_reach_the_template() -> None:
    seen = []

    def recording(messages):
        seen.extend(messages)
        return render(messages)

    model = LocalLlamaChatModel(
        engine=EchoEngine(), render=recording, model_name="e", context_size=512
    )
    model.invoke(MESSAGES)
    assert [m["role"] for m in seen] == ["system", "user", "assistant", "user"]


def test_max_tokens_shrinks_to_the_room_left() -> None:
    engine = EchoEngine()
    model = make(engine, context_size=40)
    prompt = len(render([{"role": "user", "content": "x " * 10}])[0])
    model.invoke([HumanMessage("x " * 10)])
    assert engine.calls[0]["max_tokens"] == 40 - prompt


def test_a_prompt_over_the_context_names_the_setting() -> None:
    model = make(EchoEngine(), context_size=20)
    with pytest.raises(BackendError, match=r"llm.context_size"):
        model.invoke([HumanMessage("word " * 30)])


def test_server_that_exits_at_start_reports_its_output(tmp_path) -> None:
    class Broken(LlamaServer):
        def command(self) -> list[str]:
            return [sys.executable, "-c", "import sys; print('no such model file'); sys.exit(3)"]

    server = Broken(tmp_path / "x.gguf", alias="x", context_size=512, threads=1)
    with pytest.raises(BackendError, match=r"exited with code 3.*no such model file"):
        server.start()
    assert not server.running


def test_server_that_never_gets_ready_times_out(tmp_path) -> None:
    class Sleeper(LlamaServer):
        def command(self) -> list[str]:
            return [sys.executable, "-c", "import time; time.sleep(60)"]

    server = Sleeper(tmp_path / "x.gguf", alias="x", context_size=512, threads=1, start_timeout_s=1)
    with pytest.raises(BackendError, match=r"llm.server_start_timeout_s"):
        server.start()
    assert not server.running


def test_server_command_binds_loopback_only(tmp_path) -> None:
    server = LlamaServer(
        tmp_path / "m.gguf", alias="m", context_size=2048, threads=2, prompt_cache_mb=64
    )
    server.port = 5555
    command = server.command()
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--n_ctx") + 1] == "2048"
    assert command[command.index("--cache_size") + 1] == str(64 << 20)


class PromptRecorder:
    """A stand-in for SentenceTransformer: vectors from text length, prompts recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def _vectors(self, kind, texts, **kwargs):
        assert kwargs["normalize_embeddings"] is True
        self.calls.append((kind, list(texts)))
        return [[float(len(t)), 1.0] for t in texts]

    def encode_query(self, texts, **kwargs):
        return self._vectors("query", texts, **kwargs)

    def encode_document(self, texts, **kwargs):
        return self._vectors("document", texts, **kwargs)


def test_local_embeddings_use_query_and_document_prompts_and_keep_order() -> None:
    model = PromptRecorder()
    embeddings = LocalSentenceEmbeddings(model, name="rec", batch_size=2, progress=False)
    texts = ["a", "ccc", "bb", "dddd", "eeeee", "f" * 9, "gg", "h" * 7, "i", "jj"]
    vectors = embeddings.embed_documents(texts)
    assert [round(v[0] / v[1]) for v in vectors] == [len(t) for t in texts]
    assert all(abs(v[0] ** 2 + v[1] ** 2 - 1) < 1e-6 for v in vectors)
    assert all(kind == "document" for kind, _ in model.calls)
    # Longest first, in slices of four batches.
    assert [len(t) for t in model.calls[0][1]] == [9, 7, 5, 4, 3, 2, 2, 2]
    query = embeddings.embed_query("what")
    assert round(query[0] / query[1]) == 4
    assert model.calls[-1] == ("query", ["what"])
    assert embeddings.embed_documents([]) == []
