"""Server mode: the same ingest and search against a real `chroma run` on a loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.errors import BackendError
from assistant.fakes import FakeEmbeddings
from assistant.index.store import IndexStore
from assistant.retrieval import SearchFilters
from tests.index_support import (
    PAPERS_B,
    index_settings,
    ingest_into,
    open_test_retriever,
    write_digests,
)

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    """A `chroma run` on a free loopback port, stopped after the test."""
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    log = (tmp_path / "chroma.log").open("w")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                break
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"chroma run did not start: {(tmp_path / 'chroma.log').read_text()}")
        time.sleep(0.2)
    yield port
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def test_ingest_and_search_through_a_chroma_server(tmp_path, chroma_server):
    settings = index_settings(
        tmp_path, index={"chroma_host": "127.0.0.1", "chroma_port": chroma_server}
    )
    digests = write_digests(tmp_path / "digests")
    with IndexStore.open(settings) as store:
        assert store.location == f"http://127.0.0.1:{chroma_server}"
        first = ingest_into(store, settings, digests)
        again = ingest_into(store, settings, digests)
    assert first.chunks_added == first.chunks and not again.changed
    assert not (tmp_path / "vectorstore").exists()  # nothing written to the local folder

    retriever = open_test_retriever(settings, FakeEmbeddings())
    other = open_test_retriever(settings, FakeEmbeddings())  # no folder lock in server mode
    hits = retriever.search("压缩 KV 缓存 显存", k=3)
    assert hits[0].paper.display_name == "KVZip"
    assert hits[0].paper.tags == ["KV cache", "long context"]  # the full record, from Chroma
    assert hits[0].lexical_score > 0  # BM25 built from what the server holds
    # the hashed fake vectors are a weak signal: BM25 over the server's text decides here
    english = retriever.search("safety alignment is fragile during fine-tuning", k=2)
    assert english[0].paper.display_name == "GuardSpace"
    only = retriever.search("KV cache", k=5, filters=SearchFilters(categories=["指令微调与对齐"]))
    assert [h.paper.display_name for h in only] == ["GuardSpace"]

    # Another client changes the index: the open retriever notices and reloads.
    write_digests(tmp_path / "digests", papers_b=PAPERS_B[:4])
    with IndexStore.open(settings) as store:
        assert ingest_into(store, settings, digests).papers_removed
    names = {h.paper.display_name for h in other.search("思维链 长度 强化学习", k=7)}
    assert "ShortCoT" not in names
    retriever.store.close()
    other.store.close()


def test_an_unreachable_server_is_a_backend_error(tmp_path):
    settings = index_settings(
        tmp_path, index={"chroma_host": "127.0.0.1", "chroma_port": free_port()}
    )
    with pytest.raises(BackendError, match="chroma run"):
        IndexStore.open(settings)
