"""One process at a time on a local index: a second process gets a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assistant.errors import IndexStateError
from assistant.index.lock import acquire_folder_lock
from assistant.index.store import IndexStore
from tests.conftest import ROOT
from tests.index_support import index_settings


def second_process(vectorstore: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "--set",
            f"paths.vectorstore={vectorstore}",
            "--set",
            "embedder.backend=fake",
            "--set",
            "llm.backend=fake",
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_second_process_is_refused_while_the_index_is_open(tmp_path):
    settings = index_settings(tmp_path)
    store = IndexStore.open(settings)
    try:
        done = second_process(settings.paths.vectorstore, "search", "KV cache")
        assert done.returncode == 2
        assert "in use by another process" in done.stderr
        assert f"pid {os.getpid()}" in done.stderr  # names who holds it
        assert "chroma run" in done.stderr  # and how to share an index
        assert "Traceback" not in done.stderr
    finally:
        store.close()
    done = second_process(settings.paths.vectorstore, "search", "KV cache")
    assert "in use by another process" not in done.stderr
    assert "assistant ingest" in done.stderr  # now it gets in, and finds no index yet


def test_stores_in_one_process_share_the_lock_until_the_last_closes(tmp_path):
    settings = index_settings(tmp_path)
    first = IndexStore.open(settings)
    second = IndexStore.open(settings)  # the web process opens it from several places
    first.close()
    assert second_process(settings.paths.vectorstore, "search", "x").returncode == 2
    second.close()
    second.close()  # closing twice is harmless
    lock = acquire_folder_lock(settings.paths.vectorstore)  # free again
    lock.release()


def test_the_lock_error_is_an_index_state_error(tmp_path):
    folder = tmp_path / "vs"
    code = (
        "import sys; from assistant.index.lock import acquire_folder_lock; "
        f"acquire_folder_lock({str(folder)!r}); sys.stdout.write('locked\\n'); "
        "sys.stdout.flush(); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        try:
            acquire_folder_lock(folder)
        except IndexStateError as exc:
            assert f"pid {holder.pid}" in str(exc)
        else:
            raise AssertionError("the lock was taken twice")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    acquire_folder_lock(folder).release()  # released when the holder exits
