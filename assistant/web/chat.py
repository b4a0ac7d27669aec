"""The chat's event handlers, as plain Python: testable without a browser or a server.

Gradio calls these with the values of its components and shows what they yield. The
conversation is kept in the conversations store (conversations/chats.py): the page holds
only its id and, for feedback, which chat message is which stored turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.answer.result import AnswerResult
from assistant.conversations import LOCAL_USER
from assistant.conversations.chats import Chats
from assistant.conversations.store import ConversationStore
from assistant.errors import AssistantError
from assistant.gate import ModelGate
from assistant.present.html import sources_html
from assistant.present.markdown import answer_markdown, escape_markdown
from assistant.text.links import strip_urls

MAX_QUESTION_CHARS = 2000
MODEL_GROUP = "model"  # the concurrency group of every listener that runs the chat model
STATUS_TEXT = {
    "queued": "⏳ Waiting for the answers before this one…",
    "retrieving": "⏳ Searching the digest…",
    "writing": "✍️ Writing the answer…",
    "listing": "📚 Listing the papers on this…",
    "comparing": "⚖️ Comparing the papers…",
    "reset": "↻ Rewriting the answer in the question's language…",
}

# (textbox, chat messages, sources panel, conversation id, stored turn by message index)
Update = tuple[str, list[dict[str, Any]], str, str | None, dict[int, int]]


def as_store(conversations: ConversationStore | Path | str) -> ConversationStore:
    """The store itself, or one on the SQLite file at that path."""
    if isinstance(conversations, ConversationStore):
        return conversations
    return ConversationStore(conversations)


class ChatHandlers:
    """Answer questions for the web chat inside kept conversations, and record feedback."""

    def __init__(
        self,
        service: Any,
        conversations: ConversationStore | Path | str,
        make_filters: Any = None,
        *,
        gate: ModelGate | None = None,
    ) -> None:
        self.service = service
        self.store = as_store(conversations)
        self.chats = Chats(service, self.store, gate)
        self.make_filters = make_filters or (lambda categories: None)

    def respond(
        self,
        message: str,
        chat: list[dict[str, Any]] | None,
        conversation_id: str | None,
        turn_of: dict[int, int] | None,
        categories: list[str] | None = None,
        user: str = LOCAL_USER,
    ) -> Iterator[Update]:
        """Stream one answer into the chat and keep it as the conversation's next turn;
        errors become a message, the chat stays usable."""
        chat = list(chat or [])
        conversation_id = conversation_id or None
        turn_of = dict(turn_of or {})
        question = (message or "").strip()
        if not question:
            yield "", chat, sources_html([]), conversation_id, turn_of
            return
        if len(question) > MAX_QUESTION_CHARS:
            chat.append({"role": "user", "content": escape_markdown(question[:200] + "…")})
            chat.append(
                {
                    "role": "assistant",
                    "content": f"⚠️ The question is {len(question)} characters long; please "
                    f"shorten it to under {MAX_QUESTION_CHARS} characters.",
                }
            )
            yield "", chat, sources_html([]), conversation_id, turn_of
            return

        chat.append({"role": "user", "content": escape_markdown(question)})
        chat.append({"role": "assistant", "content": STATUS_TEXT["retrieving"]})
        yield "", chat, sources_html([]), conversation_id, turn_of

        streamed = ""
        final = None
        try:
            filters = self.make_filters(categories or [])
            for event in self.chats.stream(
                question, user=user, conversation_id=conversation_id, filters=filters
            ):
                if event.kind == "status":
                    chat[-1]["content"] = STATUS_TEXT.get(event.text, event.text)
                elif event.kind == "reset":
                    streamed = ""
                    chat[-1]["content"] = STATUS_TEXT["reset"]
                elif event.kind == "token":
                    streamed += event.text
                    # Links the model wrote never show, even before the check removes them.
                    shown = escape_markdown(strip_urls(streamed)[0])
                    chat[-1]["content"] = shown + " ▌"
                elif event.kind == "result":
                    final = event
                    continue
                else:
                    continue
                yield "", chat, sources_html([]), conversation_id, turn_of
        except AssistantError as exc:
            chat[-1]["content"] = f"⚠️ {escape_markdown(str(exc))}"
            yield "", chat, sources_html([]), conversation_id, turn_of
            return
        except Exception as exc:  # never let a failure take the chat down
            chat[-1]["content"] = (
                f"⚠️ Something went wrong while answering ({escape_markdown(type(exc).__name__)}: "
                f"{escape_markdown(str(exc))}). Please try again."
            )
            yield "", chat, sources_html([]), conversation_id, turn_of
            return
        if final is None or final.result is None:
            chat[-1]["content"] = "⚠️ The answer ended without a result. Please try again."
            yield "", chat, sources_html([]), conversation_id, turn_of
            return

        result: AnswerResult = final.result
        chat[-1]["content"] = answer_markdown(result)
        if final.warning:
            chat[-1]["content"] += f"\n\n⚠️ {escape_markdown(final.warning)}"
        if final.position is not None:
            turn_of[len(chat) - 1] = final.position
            conversation_id = final.conversation_id
        yield "", chat, sources_html(result.citations, result.related), conversation_id, turn_of

    def new_chat(self) -> Update:
        """Start a new conversation (the current one stays in the list)."""
        return "", [], sources_html([]), None, {}

    def record_feedback(
        self,
        index: Any,
        liked: Any,
        conversation_id: str | None,
        turn_of: dict[int, int] | None,
        user: str = LOCAL_USER,
    ) -> str:
        """Keep a thumbs up/down with the stored turn it rates."""
        position = index[0] if isinstance(index, (list, tuple)) else index
        turn = (turn_of or {}).get(position, (turn_of or {}).get(str(position)))
        if turn is None or not conversation_id:
            return "Feedback is recorded for answers only."
        value = liked if isinstance(liked, bool) else str(liked).lower() == "like"
        try:
            saved = self.store.set_feedback(user, conversation_id, int(turn), value)
        except AssistantError as exc:
            return f"⚠️ {escape_markdown(str(exc))}"
        return "Thanks, your feedback was saved." if saved else "This answer is no longer kept."
