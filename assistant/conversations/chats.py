"""Answering inside a kept conversation: the web chat, the HTTP API and `assistant chat`
all come through here.

    question (+ conversation id) -> its history from the store -> AnswerStream.stream
      -> status / token / reset events as they come -> the result, saved as a new turn

Answers wait for a slot of the process's model gate (if one is given); a "queued" status
says so. The result is saved before it is handed on, so what the caller shows is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assistant.answer.result import AnswerEvent
from assistant.conversations.restore import papers_of
from assistant.conversations.store import ConversationStore
from assistant.errors import BackendError, UserError
from assistant.gate import ModelGate
from assistant.seams import AnswerStream, History


@dataclass
class ChatEvent(AnswerEvent):
    """An answer event; the result also says where it was saved (conversation id and the
    turn's position), or why it could not be (`warning`)."""

    conversation_id: str | None = None
    position: int | None = None
    warning: str = ""


class Chats:
    """Answers questions in users' conversations and keeps every turn."""

    def __init__(
        self, service: AnswerStream, store: ConversationStore, gate: ModelGate | None = None
    ) -> None:
        self.service = service
        self.store = store
        self.gate = gate

    def stream(
        self,
        question: str,
        *,
        user: str,
        conversation_id: str | None = None,
        history: History | None = None,
        filters: Any = None,
        save: bool = True,
    ) -> Iterator[ChatEvent]:
        """Answer `question` as a follow-up in the conversation (or after `history`, or
        alone), then save it as the conversation's next turn (a new conversation when none
        is given; nothing when `save` is off)."""
        if conversation_id:
            history = self.store.require(user, conversation_id).history()
        result = None
        if self.gate is not None and not self.gate.try_enter():
            yield ChatEvent("status", "queued")
            self.gate.enter()
        try:
            for event in self.service.stream(question, history=history or [], filters=filters):
                if event.kind == "result":
                    result = event.result
                    continue
                yield ChatEvent(event.kind, event.text)
        finally:
            if self.gate is not None:
                self.gate.leave()
        if result is None:
            return
        final = ChatEvent("result", result=result, conversation_id=conversation_id or None)
        if save:
            try:
                final.conversation_id, final.position = self.store.add_turn(
                    user, conversation_id or None, question, result.to_dict(), papers_of(result)
                )
            except UserError as exc:  # deleted meanwhile, or the file is unusable
                final.warning = f"This answer was not saved: {exc}"
        yield final

    def answer(self, question: str, **options: Any) -> ChatEvent:
        """The final event of `stream` (the result and where it was saved)."""
        final = None
        for event in self.stream(question, **options):
            final = event
        if final is None or final.result is None:
            raise BackendError("The answer stream ended without a result.")
        return final
