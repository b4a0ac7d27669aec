"""/v1: an OpenAI-compatible chat completions endpoint, so chat clients and the `openai`
SDK can talk to the assistant (model `digest-assistant`).

The last user message is the question, the earlier user and assistant messages its
history (system messages are ignored; the assistant writes from the digest only). The
reply's content is the checked answer in Markdown, its `[n]` markers linked, followed by a
numbered reference list; the structured citations are in an extra `citations` field. These
turns are not kept as conversations: the client holds the history.

Streaming sends `chat.completion.chunk` events ending with `data: [DONE]`. The text comes
once it has been checked (the check can drop sentences and renumber citations, which
cannot be taken back once sent); until then the stream sends SSE comments, which clients
ignore, as the answer progresses.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from assistant.api.routes import ApiBackend, ApiError, error_body
from assistant.api.schemas import ChatCompletionRequest
from assistant.errors import AssistantError
from assistant.present.conversation import answer_with_references, plain_answer
from assistant.retrieval import SearchFilters

MODEL = "digest-assistant"
PIECE_CHARS = 80  # a streamed answer is sent in pieces of about this size


def split_messages(body: ChatCompletionRequest) -> tuple[str, list[dict[str, str]]]:
    """(question, history) from the messages."""
    *earlier, last = body.messages
    if last.role != "user" or not last.text().strip():
        raise ApiError(400, "The last message must be the user's question.")
    history = [
        {
            "role": m.role,
            "content": plain_answer(m.text()) if m.role == "assistant" else m.text(),
        }
        for m in earlier
        if m.role in ("user", "assistant") and m.text().strip()
    ]
    return last.text().strip(), history


def _filters(body: ChatCompletionRequest) -> SearchFilters | None:
    categories = (body.model_extra or {}).get("categories")
    return SearchFilters(categories=[str(c) for c in categories]) if categories else None


def openai_router(backend: ApiBackend, current_user: Callable[..., str]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["openai-compatible"])
    User = Depends(current_user)  # the auth dependency, as every route's default

    @router.get("/models")
    def models(user: str = User) -> dict[str, Any]:
        """The one model this server serves."""
        return {
            "object": "list",
            "data": [
                {"id": MODEL, "object": "model", "created": 0, "owned_by": "digest-assistant"}
            ],
        }

    @router.post("/chat/completions", response_model=None)
    def completions(body: ChatCompletionRequest, user: str = User) -> Any:
        """A chat completion (`stream: true` for server-sent chunks)."""
        if body.model != MODEL:
            raise ApiError(
                404, f"The model {body.model!r} does not exist; this server serves {MODEL!r}."
            )
        question, history = split_messages(body)
        options = {"user": user, "history": history, "filters": _filters(body), "save": False}
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if not body.stream:
            result = backend.chats.answer(question, **options).result
            assert result is not None
            return {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": MODEL,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer_with_references(result)},
                        "finish_reason": "stop",
                    }
                ],
                "citations": [c.to_dict() for c in result.citations],
                "abstained": result.abstained,
            }

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            data = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        def events() -> Iterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            try:
                for event in backend.chats.stream(question, **options):
                    if event.result is None:
                        yield f": {event.kind}\n\n"
                        continue
                    text = answer_with_references(event.result)
                    for start in range(0, len(text), PIECE_CHARS):
                        yield chunk({"content": text[start : start + PIECE_CHARS]})
                    citations = [c.to_dict() for c in event.result.citations]
                    yield chunk({}, "stop", citations=citations, abstained=event.result.abstained)
            except AssistantError as exc:
                yield f"data: {json.dumps(error_body(exc), ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return router
