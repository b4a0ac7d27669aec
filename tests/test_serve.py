"""`assistant serve` as a real process with the fake backends: it builds the missing index,
serves on the loopback port it was given, and stops on a signal."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import TEST_DATA


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_builds_the_index_then_serves_on_loopback(tmp_path):
    port = free_port()
    digests = json.dumps([str(TEST_DATA / "sample_a.md"), str(TEST_DATA / "sample_b.txt")])
    args = [
        sys.executable, "-m", "assistant",
        "--set", "embedder.backend=fake",
        "--set", "llm.backend=fake",
        "--set", f"paths.vectorstore={tmp_path / 'index'}",
        "--set", f"paths.digests={digests}",
        "serve", "--port", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.time() < deadline, "the server did not come up"
                time.sleep(1)
        assert (tmp_path / "index" / "chroma.sqlite3").is_file()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            _, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
    assert "Building the index" in err
    assert f"http://127.0.0.1:{port}" in err
    assert "Traceback" not in err
