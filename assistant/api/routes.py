"""/api: the assistant's own HTTP API. Every route acts for the user the request proves
(auth.py); conversations are that user's only.

Responses are the library's JSON: `POST /api/ask` returns the `ask --json` result plus
`conversation_id` (and `turn`, the turn's position); `GET /api/search` returns the
`search --json` list. The streaming variant of ask sends server-sent events: `status`,
`token` (the model's text as it comes, unchecked), `reset` (start again: a retry), then
`result` (the checked answer, as /api/ask returns it) or `error`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from assistant.api.schemas import (
    AskRequest,
    IngestRequest,
    RenameRequest,
    RetrieveRequest,
    SummarizeRequest,
)
from assistant.config import Settings
from assistant.conversations.chats import ChatEvent, Chats
from assistant.conversations.export import SUFFIX, export_conversation
from assistant.conversations.restore import papers_of
from assistant.digest.identity import normalize_ref
from assistant.errors import AssistantError, ConversationError, UserError
from assistant.present.markdown import report_markdown
from assistant.retrieval import SearchFilters, hit_json

LOOPBACK_CLIENTS = ("127.0.0.1", "::1")


class ApiError(Exception):
    """An HTTP error of the API itself (not found, forbidden), with its status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ApiBackend:
    """What the API serves, built by the entry point (serve: from its Runtime)."""

    settings: Settings
    chats: Chats  # answers in kept conversations; its service also retrieves
    search: Any  # the Retriever (PaperSearch)
    summarizer: Any = None
    ingest: Callable[[list[str], bool, bool], dict[str, Any]] | None = None
    status: Callable[[], dict[str, Any]] | None = None


def error_body(exc: AssistantError) -> dict[str, Any]:
    """An error as JSON, in the shape OpenAI clients read (`error.message`)."""
    return {"error": {"message": str(exc), "type": type(exc).__name__, "hint": exc.hint}}


def sse(event: str, data: Any) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_json(event: ChatEvent, include_papers: bool = False) -> dict[str, Any]:
    """The `ask --json` result, where it was kept, and (when asked) the papers it shows."""
    assert event.result is not None
    data = event.result.to_dict()
    data["conversation_id"] = event.conversation_id
    data["turn"] = event.position
    if event.warning:
        data["warning"] = event.warning
    if include_papers:
        data["paper_records"] = papers_of(event.result)
    return data


def _filters(categories: list[str] | None) -> SearchFilters | None:
    return SearchFilters(categories=list(categories)) if categories else None


def api_router(backend: ApiBackend, current_user: Callable[..., str]) -> APIRouter:
    """The /api routes over `backend`; `current_user` is the auth dependency."""
    router = APIRouter(prefix="/api")
    User = Depends(current_user)  # the auth dependency, as every route's default
    chats = backend.chats
    store = chats.store

    @router.post("/ask", tags=["answers"])
    def ask(body: AskRequest, user: str = User) -> dict[str, Any]:
        """Answer a question with citations; a follow-up when `conversation_id` is given."""
        final = chats.answer(body.question, **_ask_options(body, user))
        return answer_json(final, body.include_papers)

    @router.post("/ask/stream", tags=["answers"])
    def ask_stream(body: AskRequest, user: str = User) -> StreamingResponse:
        """The same answer as server-sent events (status, token, reset, result | error)."""
        if body.conversation_id:
            store.require(user, body.conversation_id)  # a 404 now, not inside the stream

        def events() -> Iterator[str]:
            try:
                for event in chats.stream(body.question, **_ask_options(body, user)):
                    if event.kind == "result":
                        yield sse("result", answer_json(event, body.include_papers))
                    else:
                        yield sse(event.kind, {"text": event.text})
            except AssistantError as exc:
                yield sse("error", error_body(exc))

        return StreamingResponse(events(), media_type="text/event-stream")

    @router.get("/search", tags=["papers"])
    def search(
        q: str = Query(min_length=1, max_length=2000, description="The query."),
        k: int | None = Query(default=None, ge=1, le=100, description="Papers to return."),
        category: Annotated[list[str] | None, Query()] = None,
        tag: Annotated[list[str] | None, Query()] = None,
        source: Annotated[list[str] | None, Query()] = None,
        with_papers: bool = Query(default=False, description="Add each paper's full record."),
        user: str = User,
    ) -> list[dict[str, Any]]:
        """The papers that best match `q`: the `search --json` list."""
        filters = SearchFilters(category or None, tag or None, source or None)
        hits = backend.search.search(q, k=k, filters=filters)
        return [_hit(hit, with_papers) for hit in hits]

    @router.get("/papers/{ref:path}", tags=["papers"])
    def paper(ref: str, user: str = User) -> dict[str, Any]:
        """One paper's record: by paper id, arXiv id or arXiv URL."""
        found = backend.search.paper(normalize_ref(ref))
        if found is None:
            raise ApiError(404, f"No paper {ref!r} in the index.")
        return found.to_dict()

    @router.post("/retrieve", tags=["answers"])
    def retrieve(body: RetrieveRequest, user: str = User) -> dict[str, Any]:
        """Retrieval as an answer does it, with no model call (for retrieval-only evals)."""
        history = [t.model_dump() for t in body.history]
        query, hits, seconds = chats.service.retrieve(body.question, history=history)
        return {"query": query, "retrieved": [_hit(h, True) for h in hits], "seconds": seconds}

    @router.post("/summarize", tags=["answers"])
    def summarize(body: SummarizeRequest, user: str = User) -> dict[str, Any]:
        """A cited topic report, as Markdown and as JSON."""
        if backend.summarizer is None:
            raise UserError("This server writes no topic summaries.")
        gate = chats.gate
        started = time.perf_counter()
        if gate is not None:
            gate.enter()
        try:
            report = backend.summarizer.summarize(
                body.topic,
                filters=_filters(body.categories),
                max_papers=body.max_papers,
                language=body.language,
            )
        finally:
            if gate is not None:
                gate.leave()
        return {
            "markdown": report_markdown(report),
            "report": report.to_dict(),
            "seconds": round(time.perf_counter() - started, 3),
        }

    @router.get("/conversations", tags=["conversations"])
    def conversations(user: str = User) -> list[dict[str, Any]]:
        """The user's conversations, most recent first."""
        return [c.summary() for c in store.conversations(user)]

    @router.get("/conversations/{conversation_id}", tags=["conversations"])
    def conversation(conversation_id: str, user: str = User) -> dict[str, Any]:
        """The whole conversation: every turn with its answer result (the JSON export)."""
        return store.require(user, conversation_id).to_dict()

    @router.get("/conversations/{conversation_id}/export", tags=["conversations"])
    def export(
        conversation_id: str,
        format: Literal["markdown", "json"] = "markdown",
        user: str = User,
    ) -> Response:
        """The conversation as a Markdown document (answers with their links and a reference
        list) or as JSON, to download."""
        found = store.require(user, conversation_id)
        name = f"conversation-{found.id}.{SUFFIX[format]}"
        media = "text/markdown; charset=utf-8" if format == "markdown" else "application/json"
        return PlainTextResponse(
            export_conversation(found, format),
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.patch("/conversations/{conversation_id}", tags=["conversations"])
    def rename(conversation_id: str, body: RenameRequest, user: str = User) -> dict[str, Any]:
        """Give the conversation a new title."""
        if not store.rename(user, conversation_id, body.title):
            store.require(user, conversation_id)  # says it is not there
        return store.require(user, conversation_id).summary()

    @router.delete("/conversations/{conversation_id}", status_code=204, tags=["conversations"])
    def delete(conversation_id: str, user: str = User) -> Response:
        """Delete the conversation and its turns."""
        if not store.delete(user, conversation_id):
            store.require(user, conversation_id)
        return Response(status_code=204)

    @router.put(
        "/conversations/{conversation_id}/turns/{position}/feedback", tags=["conversations"]
    )
    def feedback(
        conversation_id: str, position: int, liked: bool | None = None, user: str = User
    ) -> dict[str, Any]:
        """Rate a turn 👍 (liked=true) or 👎 (liked=false); no value clears it."""
        if not store.set_feedback(user, conversation_id, position, liked):
            raise ConversationError(f"No turn {position} in conversation {conversation_id!r}.")
        return {"conversation_id": conversation_id, "turn": position, "liked": liked}

    @router.post("/ingest", tags=["index"])
    def ingest(body: IngestRequest, request: Request, user: str = User) -> dict[str, Any]:
        """Bring the served index in line with digest files on the server's machine; the
        answers use the new content at once. Only from this machine (loopback)."""
        client = request.client.host if request.client else ""
        if client not in LOOPBACK_CLIENTS:
            raise ApiError(403, "Ingest through the API is accepted from this machine only.")
        if backend.ingest is None:
            raise UserError("This server does not ingest.")
        return backend.ingest(body.paths, body.rebuild, body.prune)

    @router.get("/status", tags=["index"])
    def status(user: str = User) -> dict[str, Any]:
        """The version, the models and the settings (secrets masked) this server answers with."""
        return {"user": user, **(backend.status() if backend.status else {})}

    return router


def _ask_options(body: AskRequest, user: str) -> dict[str, Any]:
    return {
        "user": user,
        "conversation_id": body.conversation_id,
        "history": [t.model_dump() for t in body.history],
        "filters": _filters(body.categories),
        "save": body.save,
    }


def _hit(hit: Any, with_papers: bool) -> dict[str, Any]:
    data = hit_json(hit)
    if with_papers:
        data["paper"] = hit.paper.to_dict()
        data["dense_similarity"] = hit.dense_similarity
        data["lexical_score"] = hit.lexical_score
    return data
