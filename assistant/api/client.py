"""Talking to a running `assistant serve`: what the command line uses while the server
holds the local index.

ServerClient makes the HTTP calls and turns the server's errors back into the assistant's
own (same class, same message); RemoteAnswers is an AnswerStream over it, so `ask`,
`chat` and `eval run` run unchanged on answers that come from the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from assistant import errors
from assistant.answer.result import AnswerEvent, AnswerResult
from assistant.conversations.restore import hit_from_dict, paper_from_dict, result_from_dict
from assistant.digest import Paper
from assistant.errors import BackendError, ConfigError, UserError
from assistant.retrieval import PaperHit
from assistant.seams import History


class ServerClient:
    """Calls to the HTTP API at `url`, as the login in `token` when one is given."""

    def __init__(self, url: str, token: SecretStr | None = None) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
        # Answers wait in the server's queue and take as long as the model does: no read
        # timeout (the server's own limits apply).
        timeout = httpx.Timeout(30.0, read=None)
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    # --- plumbing -----------------------------------------------------------------------

    def _unreachable(self, exc: Exception) -> BackendError:
        return BackendError(
            f"The index is served by `assistant serve` at {self.url}, which does not answer "
            f"({type(exc).__name__}: {exc}).",
            hint="Wait until it is ready (it prints its address when it is), or stop it.",
        )

    def _raise_for(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            error = response.json().get("error") or {}
        except (json.JSONDecodeError, AttributeError):
            error = {}
        if response.status_code == 401:
            raise ConfigError(
                f"The running server at {self.url} requires a login.",
                hint="Set ASSISTANT_API__TOKEN=user:password (one of its --auth logins).",
            )
        raise remote_error(error, response.status_code, self.url)

    def _json(self, method: str, path: str, **options: Any) -> Any:
        try:
            response = self._http.request(method, path, **options)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        self._raise_for(response)
        return response.json()

    def _events(self, path: str, body: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        """(event, data) pairs of a server-sent event stream."""
        try:
            with self._http.stream("POST", path, json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                name, data = "message", []
                for line in response.iter_lines():
                    if not line:
                        if data:
                            yield name, json.loads("\n".join(data))
                        name, data = "message", []
                    elif line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None

    # --- the API ------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return self._json("GET", "/api/status")

    def ask(self, question: str, **body: Any) -> dict[str, Any]:
        return self._json("POST", "/api/ask", json={"question": question, **body})

    def ask_stream(self, question: str, **body: Any) -> Iterator[tuple[str, Any]]:
        return self._events("/api/ask/stream", {"question": question, **body})

    def search(self, query: str, **params: Any) -> list[dict[str, Any]]:
        params = {k: v for k, v in params.items() if v not in (None, [], ())}
        return self._json("GET", "/api/search", params={"q": query, **params})

    def paper(self, ref: str) -> Paper | None:
        try:
            response = self._http.get(f"/api/papers/{quote(ref, safe='/:')}")
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        if response.status_code == 404:
            return None
        self._raise_for(response)
        return paper_from_dict(response.json())

    def retrieve(self, question: str, history: History) -> dict[str, Any]:
        return self._json(
            "POST", "/api/retrieve", json={"question": question, "history": list(history)}
        )

    def summarize(self, topic: str, **body: Any) -> dict[str, Any]:
        return self._json("POST", "/api/summarize", json={"topic": topic, **body})

    def ingest(self, paths: list[str], *, rebuild: bool, prune: bool) -> dict[str, Any]:
        body = {"paths": paths, "rebuild": rebuild, "prune": prune}
        return self._json("POST", "/api/ingest", json=body)


def remote_error(error: dict[str, Any], status: int, url: str) -> errors.AssistantError:
    """The server's error as the assistant's own exception (a UserError when unknown)."""
    kind = getattr(errors, str(error.get("type")), None)
    if not (isinstance(kind, type) and issubclass(kind, errors.UserError)):
        kind = BackendError if status >= 500 else UserError
    message = str(error.get("message") or f"The server at {url} answered HTTP {status}.")
    hint = error.get("hint")
    if hint and message.endswith(f" {hint}"):
        message = message[: -len(hint) - 1]  # str(error) carried the hint too
    return kind(message, hint=hint)


def hits_from(data: list[dict[str, Any]]) -> list[PaperHit]:
    """Search hits sent with their full paper records (`with_papers`)."""
    return [hit_from_dict(h, paper_from_dict(h["paper"]) if "paper" in h else None) for h in data]


class RemoteAnswers:
    """An AnswerStream whose answers come from the running server (nothing is kept there:
    the caller keeps the conversation)."""

    def __init__(self, client: ServerClient) -> None:
        self.client = client

    def _body(self, history: History | None, filters: Any) -> dict[str, Any]:
        categories = list(getattr(filters, "categories", None) or [])
        return {
            "history": list(history or []),
            "categories": categories,
            "save": False,
            "include_papers": True,
        }

    def stream(
        self, question: str, *, history: History | None = None, filters: Any = None
    ) -> Iterator[AnswerEvent]:
        for name, data in self.client.ask_stream(question, **self._body(history, filters)):
            if name == "result":
                yield AnswerEvent("result", result=result_of(data))
            elif name == "error":
                raise remote_error(data.get("error") or {}, 500, self.client.url)
            elif name in ("status", "token", "reset"):
                yield AnswerEvent(name, data.get("text", ""))

    def answer(
        self, question: str, *, history: History | None = None, filters: Any = None
    ) -> AnswerResult:
        return result_of(self.client.ask(question, **self._body(history, filters)))

    def retrieve(
        self, question: str, *, history: History | None = None, filters: Any = None
    ) -> tuple[str, list[PaperHit], float]:
        data = self.client.retrieve(question, history or [])
        return data["query"], hits_from(data["retrieved"]), float(data["seconds"])


def result_of(data: dict[str, Any]) -> AnswerResult:
    """An answer as /api/ask returns it, back as an AnswerResult."""
    return result_from_dict(data, data.get("paper_records"))


def ask_result_json(data: dict[str, Any]) -> dict[str, Any]:
    """The `ask --json` result inside an /api/ask response (without where it was kept)."""
    extra = ("conversation_id", "turn", "warning", "paper_records")
    return {k: v for k, v in data.items() if k not in extra}
