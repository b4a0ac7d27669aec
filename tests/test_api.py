"""The HTTP API over real HTTP: `assistant serve` as a process with the fake backends, the
`openai` client against /v1, logins, and the command line going through the running
server while it holds the index."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from tests.conftest import ROOT, TEST_DATA
from tests.test_serve import free_port

SAMPLE_A = str(TEST_DATA / "sample_a.md")  # Speculative Decoding with Tiny Drafts, a survey
SAMPLE_B = str(TEST_DATA / "sample_b.txt")  # KVZip, a quantization paper
TINY = "Which paper drafts tokens with a tiny model for speculative decoding?"


@dataclass
class Served:
    url: str
    folder: Path
    settings: list[str]  # the --set options the server was started with
    process: subprocess.Popen

    def cli(self, *args: str, token: str | None = None) -> subprocess.CompletedProcess:
        """An `assistant` command in another process, with the server's settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        if token:
            env["ASSISTANT_API__TOKEN"] = token
        return subprocess.run(
            [sys.executable, "-m", "assistant", *self.settings, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )


def start(folder: Path, digests: list[str], *serve_args: str) -> Iterator[Served]:
    port = free_port()
    settings = [
        "--set", "embedder.backend=fake",
        "--set", "llm.backend=fake",
        "--set", f"paths.vectorstore={folder / 'index'}",
        "--set", f"paths.conversations={folder / 'conversations.sqlite3'}",
        "--set", f"paths.digests={json.dumps(digests)}",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", *settings, "serve", "--port", str(port), *serve_args],
        cwd=folder,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            httpx.get(f"{url}/api/openapi.json", timeout=2)
            break
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read()
            assert time.time() < deadline, "the server did not come up"
            time.sleep(0.5)
    try:
        yield Served(url, folder, settings, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        assert "Traceback" not in err
        assert "s3cret" not in err  # no password in what it printed


@pytest.fixture(scope="module")
def open_server(tmp_path_factory) -> Iterator[Served]:
    """No logins; only the first sample digest (the ingest test adds the second)."""
    yield from start(tmp_path_factory.mktemp("open-server"), [SAMPLE_A])


@pytest.fixture(scope="module")
def login_server(tmp_path_factory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("login-server")
    yield from start(
        folder, [SAMPLE_A, SAMPLE_B], "--auth", "alice:s3cret", "--auth", "bob:s3cret2"
    )


def test_ask_then_a_follow_up_by_conversation_id(open_server):
    first = httpx.post(f"{open_server.url}/api/ask", json={"question": TINY}, timeout=60)
    assert first.status_code == 200
    data = first.json()
    assert data["turn"] == 0 and data["conversation_id"]
    assert [c["paper_id"] for c in data["citations"]] == ["2501.00001"]
    assert {"answer", "retrieved", "flags", "timings", "removed_citations"} <= set(data)

    follow = httpx.post(
        f"{open_server.url}/api/ask",
        json={
            "question": "What speed-up does it reach?",
            "conversation_id": data["conversation_id"],
        },
        timeout=60,
    ).json()
    assert (follow["conversation_id"], follow["turn"]) == (data["conversation_id"], 1)
    assert "tiny model" in follow["standalone_question"]  # read with the conversation
    listed = httpx.get(f"{open_server.url}/api/conversations").json()
    assert listed[0]["id"] == data["conversation_id"] and listed[0]["turn_count"] == 2

    missing = httpx.post(
        f"{open_server.url}/api/ask", json={"question": "q?", "conversation_id": "nope"}
    )
    assert missing.status_code == 404 and "nope" in missing.json()["error"]["message"]


def test_ask_streams_server_sent_events(open_server):
    with httpx.stream(
        "POST", f"{open_server.url}/api/ask/stream", json={"question": TINY}, timeout=60
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = list(response.iter_lines())
    events = [line[7:] for line in lines if line.startswith("event: ")]
    assert events[0] == "status" and "token" in events and events[-1] == "result"
    result = json.loads([line for line in lines if line.startswith("data: ")][-1][6:])
    assert result["conversation_id"] and result["citations"][0]["paper_id"] == "2501.00001"


def test_search_papers_and_the_openapi_page(open_server):
    hits = httpx.get(f"{open_server.url}/api/search", params={"q": "speculative decoding", "k": 2})
    assert hits.status_code == 200
    first = hits.json()[0]
    assert first["paper_id"] == "2501.00001" and set(first) == {
        "paper_id", "url", "title", "text_start", "score", "snippet"
    }  # fmt: skip
    paper = httpx.get(f"{open_server.url}/api/papers/2501.00001").json()
    assert paper["title_zh"] == "用微型草稿模型做推测解码"
    assert (
        httpx.get(f"{open_server.url}/api/papers/https://arxiv.org/abs/2501.00001").json() == paper
    )
    assert httpx.get(f"{open_server.url}/api/papers/0000.00000").status_code == 404
    schema = httpx.get(f"{open_server.url}/api/openapi.json").json()
    assert {"/api/ask", "/api/search", "/v1/chat/completions"} <= set(schema["paths"])
    assert "swagger" in httpx.get(f"{open_server.url}/api/docs").text.lower()


def test_the_openai_client_plain_and_streaming(open_server):
    client = openai.OpenAI(base_url=f"{open_server.url}/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list()] == ["digest-assistant"]
    completion = client.chat.completions.create(
        model="digest-assistant", messages=[{"role": "user", "content": TINY}]
    )
    text = completion.choices[0].message.content
    assert "[\\[1\\]](https://arxiv.org/abs/2501.00001v2)" in text
    assert "**References**\n\n1. Speculative Decoding with Tiny Drafts" in text
    assert completion.citations[0]["paper_id"] == "2501.00001"

    stream = client.chat.completions.create(
        model="digest-assistant",
        messages=[
            {"role": "user", "content": TINY},
            {"role": "assistant", "content": text},
            {"role": "user", "content": "What speed-up does it reach?"},
        ],
        stream=True,
    )
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].citations[0]["paper_id"] == "2501.00001"
    assert "**References**" in streamed and "](https://arxiv.org/abs/2501.00001v2)" in streamed
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


def test_the_cli_goes_through_the_server_while_it_holds_the_index(open_server):
    done = open_server.cli("search", "speculative decoding", "-k", "2", "--json")
    assert done.returncode == 0, done.stderr
    assert "going through its HTTP API" in done.stderr
    via_api = httpx.get(
        f"{open_server.url}/api/search", params={"q": "speculative decoding", "k": 2}
    )
    assert json.loads(done.stdout) == via_api.json()

    asked = open_server.cli("ask", TINY, "--json")
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    assert [c["paper_id"] for c in result["citations"]] == ["2501.00001"]
    assert "conversation_id" not in result  # the `ask --json` result, as without a server

    # `ingest` into the served index: the server runs it, and answers use it at once.
    before = httpx.get(f"{open_server.url}/api/search", params={"q": "KVZip"}).json()
    assert all(hit["title"] != "KVZip" for hit in before)
    ingested = open_server.cli("ingest", SAMPLE_B)
    assert ingested.returncode == 0, ingested.stderr
    assert "Updated the index" in ingested.stdout
    after = httpx.get(f"{open_server.url}/api/search", params={"q": "KVZip"}).json()
    assert after[0]["title"] == "KVZip"


def test_logins_are_required_and_each_sees_only_their_own(login_server):
    url = login_server.url
    assert httpx.post(f"{url}/api/ask", json={"question": TINY}).status_code == 401
    assert httpx.get(f"{url}/api/search", params={"q": "x"}).status_code == 401
    wrong = httpx.get(f"{url}/api/conversations", auth=("alice", "wrong"))
    assert wrong.status_code == 401 and "Basic" in wrong.headers["www-authenticate"]
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="nobody", max_retries=0).models.list()

    alice = httpx.Client(base_url=url, auth=("alice", "s3cret"), timeout=60)
    bob = httpx.Client(base_url=url, headers={"Authorization": "Bearer bob:s3cret2"}, timeout=60)
    asked = alice.post("/api/ask", json={"question": "How much memory does KVZip save?"}).json()
    mine = asked["conversation_id"]
    assert [c["id"] for c in alice.get("/api/conversations").json()] == [mine]
    assert bob.get("/api/conversations").json() == []
    assert bob.get(f"/api/conversations/{mine}").status_code == 404
    assert bob.delete(f"/api/conversations/{mine}").status_code == 404
    follow = bob.post("/api/ask", json={"question": "And?", "conversation_id": mine})
    assert follow.status_code == 404
    assert alice.get(f"/api/conversations/{mine}").json()["turns"][0]["result"]["citations"]

    # The web chat keeps its conversations under the same logins.
    from gradio_client import Client

    web = Client(url, auth=("alice", "s3cret"), verbose=False)
    web.predict(TINY, [], [], api_name="/ask")
    assert len(alice.get("/api/conversations").json()) == 2
    assert bob.get("/api/conversations").json() == []

    as_alice = openai.OpenAI(base_url=f"{url}/v1", api_key="alice:s3cret", max_retries=0)
    reply = as_alice.chat.completions.create(
        model="digest-assistant", messages=[{"role": "user", "content": "KVZip memory?"}]
    )
    assert reply.choices[0].message.content


def test_the_cli_needs_the_servers_login(login_server):
    refused = login_server.cli("search", "KVZip", "--json")
    assert refused.returncode == 2
    assert "requires a login" in refused.stderr and "ASSISTANT_API__TOKEN" in refused.stderr
    done = login_server.cli("search", "KVZip", "--json", token="alice:s3cret")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["title"] == "KVZip"
