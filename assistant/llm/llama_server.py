"""Running llama.cpp's OpenAI-compatible server (`python -m llama_cpp.server`) as a child.

It binds a free port on 127.0.0.1 only, is stopped when the assistant exits (and, on
Linux, killed by the kernel if the assistant dies first), and its log goes to a file
that an error message can quote.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path

from assistant.config import Settings
from assistant.errors import BackendError
from assistant.llm.guarded import GuardedChatModel
from assistant.llm.local_llama import as_role_dicts, chat_renderer, load_llama, threads_of
from assistant.llm.openai_backend import remote_chat
from assistant.models.specs import DEFAULT_CHAT_MODEL


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class LlamaServer:
    """One llama.cpp server process for one GGUF file."""

    def __init__(
        self,
        model_path: Path,
        *,
        alias: str,
        context_size: int,
        threads: int | None,
        prompt_cache_mb: int = 0,
        start_timeout_s: float = 120.0,
    ) -> None:
        self.model_path = Path(model_path)
        self.alias = alias
        self.context_size = context_size
        self.threads = threads
        self.prompt_cache_mb = prompt_cache_mb
        self.start_timeout_s = start_timeout_s
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self._stop_registered = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--model_alias",
            self.alias,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.context_size),
        ]
        if self.threads:
            command += ["--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        if self.prompt_cache_mb:
            command += ["--cache", "true", "--cache_size", str(self.prompt_cache_mb << 20)]
        return command

    def start(self, port: int | None = None) -> str:
        """Start the server and wait until it answers; returns its /v1 base URL."""
        if self._process is not None:
            return self.base_url
        self.port = port or free_port()
        handle, name = tempfile.mkstemp(prefix="llama-server-", suffix=".log")
        self._log_path = Path(name)
        with os.fdopen(handle, "wb") as log:
            self._process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        if not self._stop_registered:
            atexit.register(self.stop)
            self._stop_registered = True
        self._wait_ready()
        return self.base_url

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            process = self._process
            assert process is not None
            if process.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise BackendError(
                    f"The local llama.cpp server exited with code {process.returncode} "
                    f"while starting. Its last output: {tail}",
                    hint="Check llm.model_path / llm.context_size, or use llm.local_mode="
                    "in-process.",
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise BackendError(
            f"The local llama.cpp server did not answer within {self.start_timeout_s:.0f} s.",
            hint="Raise llm.server_start_timeout_s, or use llm.local_mode=in-process.",
        )

    def log_tail(self, lines: int = 5) -> str:
        if self._log_path is None or not self._log_path.exists():
            return "(no output)"
        text = self._log_path.read_text(encoding="utf-8", errors="replace").strip()
        return " | ".join(text.splitlines()[-lines:]) or "(no output)"

    def ensure_running(self) -> None:
        """Start the server again, on the same port, when it died since it was started (the
        chat model calls this before every request, so one crash costs one answer)."""
        if self._process is None or self._process.poll() is None:
            return
        code = self._process.returncode
        self._process = None
        print(
            f"The local llama.cpp server exited (code {code}); starting it again.",
            file=sys.stderr,
        )
        self.start(port=self.port)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop the server (idempotent)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        atexit.unregister(self.stop)
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None


def server_chat(settings: Settings, path: Path) -> GuardedChatModel:
    """The GGUF behind a llama.cpp server on 127.0.0.1, stopped with this process."""
    alias = settings.llm.model or DEFAULT_CHAT_MODEL
    server = LlamaServer(
        path,
        alias=alias,
        context_size=settings.llm.context_size,
        threads=threads_of(settings),
        prompt_cache_mb=settings.llm.prompt_cache_mb,
        start_timeout_s=settings.llm.server_start_timeout_s,
    )
    base_url = server.start()
    # The tokenizer alone (no weights) gives exact prompt counts in this process.
    vocab = load_llama(path, settings, vocab_only=True)
    render = chat_renderer(vocab)
    model = remote_chat(
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
        connection_hint="The server stopped; it is started again for the next question.",
    )
    model.keep_alive(server)
    model.before_each_call(server.ensure_running)
    weakref.finalize(model, server.stop)
    return model
