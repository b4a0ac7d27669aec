"""The FastAPI app `assistant serve` runs: /api and /v1 (this package), the OpenAPI page
at /api/docs, and the Gradio web chat mounted at /. All of it under the same logins.

Errors become JSON (`{"error": {"message", "type", "hint"}}`) with a status that fits:
404 for a missing conversation or paper, 401 without a valid login, 503 when busy, 502
when the chat backend fails, 400 for other mistakes.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from assistant import __version__
from assistant.api.auth import REALM, Logins, NotAuthenticated
from assistant.api.openai import openai_router
from assistant.api.routes import ApiBackend, ApiError, api_router, error_body
from assistant.config import Settings
from assistant.errors import (
    AssistantError,
    BackendError,
    BusyError,
    ConfigError,
    ConversationError,
    IndexStateError,
    UserError,
)
from assistant.web.app import mount_options

DOCS = "/api/docs"
OPENAPI = "/api/openapi.json"


def status_of(exc: AssistantError) -> int:
    """The HTTP status for an error of the assistant."""
    for kind, status in (
        (ConversationError, 404),
        (BusyError, 503),
        (IndexStateError, 503),
        (BackendError, 502),
        (ConfigError, 500),  # the server's settings, not the request
        (UserError, 400),
    ):
        if isinstance(exc, kind):
            return status
    return 500


def build_server(
    settings: Settings,
    backend: ApiBackend,
    blocks: Any = None,
    *,
    on_start: Callable[[], None] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> FastAPI:
    """The app: the API over `backend`, the web chat `blocks` (a gr.Blocks) at /.
    `on_start` runs once the server listens, `on_stop` when it stops."""
    logins = Logins(settings.web.auth)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.loop = asyncio.get_running_loop()
        if on_start is not None:
            on_start()
        try:
            yield
        finally:
            if on_stop is not None:
                on_stop()

    app = FastAPI(
        title="Digest assistant API",
        version=__version__,
        description="Cited answers over the digest of AI research papers (README: "
        "'Conversations and the HTTP API').",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )

    def current_user(request: Request) -> str:
        return logins.authenticate(request)

    app.include_router(api_router(backend, current_user))
    app.include_router(openai_router(backend, current_user))

    @app.get(OPENAPI, include_in_schema=False)
    def openapi(user: str = Depends(current_user)) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get(DOCS, include_in_schema=False)
    def docs(user: str = Depends(current_user)) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI, title="Digest assistant API")

    @app.exception_handler(NotAuthenticated)
    def not_authenticated(request: Request, exc: NotAuthenticated) -> JSONResponse:
        body = {
            "error": {
                "message": "This server requires a login.",
                "type": "NotAuthenticated",
                "hint": "Send one of its logins as HTTP Basic, or as 'Authorization: Bearer "
                "user:password'.",
            }
        }
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": REALM})

    @app.exception_handler(ApiError)
    def api_error(request: Request, exc: ApiError) -> JSONResponse:
        body = {"error": {"message": str(exc), "type": "ApiError", "hint": None}}
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(AssistantError)
    def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        return JSONResponse(error_body(exc), status_code=status_of(exc))

    if blocks is not None:
        import gradio as gr

        gr.mount_gradio_app(app, blocks, path="/", **mount_options(settings))
    return app


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port), or a UserError that says what is in the way."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UserError(
            f"Cannot serve on {host}:{port} ({exc.strerror or exc}).",
            hint="Another program may use that port: choose another with --port.",
        ) from None
    return sock


def local_url(host: str, port: int) -> str:
    """The URL this machine reaches the server at (loopback for a wildcard address)."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def end_streams(app: FastAPI) -> None:
    """Close the web chat's open heartbeat streams (one per browser tab), which would
    otherwise hold the shutdown until its timeout: Gradio ends them on its stop event."""
    loop = getattr(app.state, "loop", None)
    for route in app.routes:
        stop = getattr(getattr(route, "app", None), "stop_event", None)
        if loop is not None and stop is not None:
            loop.call_soon_threadsafe(stop.set)


def run(app: FastAPI, sock: socket.socket) -> None:
    """Serve `app` on the bound socket until Ctrl-C (or SIGTERM)."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            end_streams(app)
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,  # request lines would show queries; never headers or logins
        timeout_graceful_shutdown=5,
    )
    Server(config).run(sockets=[sock])
