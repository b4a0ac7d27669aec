"""`assistant serve`: the web chat and the HTTP API beside it, the main job. Fetches models
and builds the index first when they are missing, with progress in the terminal, then
serves on 127.0.0.1. While it runs, the address of its API is recorded in the index's lock
file, so `ask`, `search`, `summarize`, `eval run` and `ingest` in another terminal go
through it."""

from __future__ import annotations

import dataclasses
import socket
import threading
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from assistant.cli.answer_cmd import backend_option
from assistant.cli.app import AppContext, cli, pass_app
from assistant.cli.index_cmd import IngestBar
from assistant.config import Settings
from assistant.conversations.chats import Chats
from assistant.conversations.store import ConversationStore
from assistant.digest import load_digests
from assistant.errors import BusyError, UserError
from assistant.gate import ModelGate
from assistant.index.lock import advertise
from assistant.runtime import Runtime

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def read_logins(pairs: tuple[str, ...], auth_file: Path | None) -> list[str]:
    """'user:password' logins from --auth and a file (one per line, # comments)."""
    logins = list(pairs)
    if auth_file is not None:
        try:
            lines = auth_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UserError(f"{auth_file}: cannot read the logins file ({exc.strerror}).") from None
        for number, line in enumerate(lines, start=1):
            line = line.strip()
            if line and not line.startswith("#"):
                if ":" not in line:
                    raise UserError(
                        f"{auth_file}:{number}: expected 'user:password'.",
                        hint="Write one login per line as user:password.",
                    )
                logins.append(line)
    for login in logins:
        user, _, password = login.partition(":")
        if not user or not password:
            raise UserError(
                "A login must be given as user:password (both parts non-empty).",
                hint="Example: --auth alice:s3cret",
            )
    return logins


def prepare(settings: Settings, console: Console) -> Runtime:
    """Models (fetched and verified if missing), the index (built if missing), the service."""
    runtime = Runtime(settings)
    try:
        # Every model file the settings use (token counts included), before anything loads.
        runtime.fetch_models()
        store = runtime.store
        if not store.exists() or store.chunk_count() == 0:
            console.print(f"Building the index at {store.location} (first run only)…")
            with IngestBar(quiet=False) as bar:
                runtime.ingest(
                    load_digests(settings.paths.digests),
                    progress=bar.update,
                    naming_progress=bar.naming,
                )
        console.print("Loading the models…", style="dim")
        runtime.warm()
    except BaseException:
        runtime.close()
        raise
    return runtime


@cli.command("serve")
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1: this machine).")
@click.option("--port", type=int, default=None, help="Port (default: web.port, 7860).")
@click.option(
    "--auth", "auth", multiple=True, metavar="USER:PASSWORD", help="Require a login (repeatable)."
)
@click.option(
    "--auth-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File of logins, one user:password per line.",
)
@click.option("--share", is_flag=True, help="Also open a public gradio.live link (off by default).")
@click.option(
    "--no-login",
    is_flag=True,
    help="Allow --share or a non-loopback --host without a login (anyone who can reach it can "
    "use it).",
)
@backend_option
@pass_app
def serve(
    app: AppContext,
    host: str | None,
    port: int | None,
    auth: tuple[str, ...],
    auth_file: Path | None,
    share: bool,
    no_login: bool,
    backend: str | None,
) -> None:
    """Serve the web chat and the HTTP API over the indexed digest."""
    from assistant.api.server import listening_socket
    from assistant.retrieval import SearchFilters
    from assistant.runtime import backend_label
    from assistant.web.app import build_app, launch_options

    logins = read_logins(auth, auth_file)
    settings = app.settings(
        web={"host": host, "port": port, "auth": logins or None}, llm={"backend": backend}
    )
    console = Console(stderr=True)
    exposed = share or settings.web.host not in LOOPBACK
    if exposed and not settings.web.auth and not no_login:
        where = "a public gradio.live link" if share else f"{settings.web.host}"
        raise UserError(
            f"Serving on {where} without a login would let anyone who can reach it use the "
            "assistant.",
            hint="Add --auth user:password (or --auth-file), or --no-login if that is meant.",
        )
    if exposed:
        console.print(
            f"Serving on {settings.web.host}: other machines can reach this chat.", style="yellow"
        )
    sock = None if share else listening_socket(settings.web.host, settings.web.port)
    try:
        runtime = prepare(settings, console)
    except BaseException:
        if sock is not None:
            sock.close()
        raise
    try:
        store = ConversationStore(settings.paths.conversations)
        gate = ModelGate(settings.web.concurrency, wait_s=settings.web.time_limit_s)
        web = build_app(
            settings,
            runtime.service,
            categories=runtime.retriever.categories(),
            backend_label=backend_label(settings),
            make_filters=lambda cats: SearchFilters(categories=list(cats)) if cats else None,
            summarizer=runtime.summarizer,
            conversations=store,
            gate=gate,
        )
        if sock is None:  # --share: Gradio's own server, which only Gradio's launch can link
            console.print(
                f"Open http://{settings.web.host}:{settings.web.port} (Ctrl-C to stop). With "
                "--share the HTTP API is not served.",
            )
            web.launch(**launch_options(settings, share=True), quiet=True)
            return
        serve_api(settings, runtime, web, Chats(runtime.service, store, gate), sock, console)
    finally:
        runtime.close()


def serve_api(
    settings: Settings,
    runtime: Runtime,
    web: Any,
    chats: Chats,
    sock: socket.socket,
    console: Console,
) -> None:
    """The web chat inside the HTTP API's app, on `sock`, until Ctrl-C."""
    from assistant.api.routes import ApiBackend
    from assistant.api.server import build_server, local_url, run

    url = local_url(settings.web.host, sock.getsockname()[1])
    folder = None if settings.index.chroma_host else settings.paths.vectorstore.expanduser()
    backend = ApiBackend(
        settings,
        chats,
        runtime.retriever,
        runtime.summarizer,
        ingest=Ingests(runtime).run,
        status=lambda: server_status(settings, runtime),
    )
    app = build_server(
        settings,
        backend,
        web,
        on_start=lambda: folder is not None and advertise(folder, url),
        on_stop=lambda: folder is not None and advertise(folder, None),
    )
    console.print(f"Open {url} (Ctrl-C to stop). HTTP API: {url}/api/docs", soft_wrap=True)
    run(app, sock)


class Ingests:
    """`assistant ingest` run by the server on its own index (one at a time): the answers
    use the new content at once, since the retriever follows the index revision."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._one = threading.Lock()

    def run(self, paths: list[str], rebuild: bool, prune: bool) -> dict[str, Any]:
        from assistant.retrieval.lexical_view import LexicalView

        if not self._one.acquire(blocking=False):
            raise BusyError("Another ingest is running on this server.", hint="Try again later.")
        try:
            settings = self.runtime.settings
            load = load_digests([Path(p) for p in paths] or settings.paths.digests)
            report = self.runtime.ingest(load, rebuild=rebuild, prune=prune)
            if report.changed or report.papers_removed:
                LexicalView.open(self.runtime.store)  # the BM25 view now, not at a question
        finally:
            self._one.release()
        return {
            "report": dataclasses.asdict(report),
            "location": self.runtime.store.location,
            "issues": [str(issue) for issue in load.issues],
        }


def server_status(settings: Settings, runtime: Runtime) -> dict[str, Any]:
    """What /api/status reports: version, models, index, settings (secrets masked)."""
    from assistant import __version__
    from assistant.config import describe_settings
    from assistant.models.status import active_chat, active_embedder

    return {
        "version": __version__,
        "chat": active_chat(settings),
        "embedder": active_embedder(settings),
        "index": runtime.store.location,
        "settings": describe_settings(settings),
    }
