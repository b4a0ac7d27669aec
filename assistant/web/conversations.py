"""The chat's side list of kept conversations: open, rename, delete, download, and the
current chat brought back when the page is reloaded.

Every handler acts for the logged-in user (one local user without logins): another
login's conversation id opens nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.conversations import LOCAL_USER
from assistant.conversations.export import SUFFIX, export_conversation, turn_results
from assistant.conversations.store import ConversationStore
from assistant.errors import AssistantError
from assistant.present.html import sources_html
from assistant.present.markdown import answer_markdown, escape_markdown

# (chat messages, sources panel, conversation id, stored turn by message index)
Opened = tuple[list[dict[str, Any]], str, str | None, dict[int, int]]


def user_of(request: gr.Request | None) -> str:
    """The logged-in user, or the one local user when there are no logins."""
    return getattr(request, "username", None) or LOCAL_USER


class SideList:
    """Handlers of the side list over the conversations store."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        self.folder = Path(tempfile.mkdtemp(prefix="digest-conversations-"))

    def open(self, conversation_id: str | None, user: str) -> Opened:
        """The conversation's messages, the last answer's sources, its id and turn map;
        an empty chat when the user has no such conversation."""
        conversation = self.store.get(user, conversation_id) if conversation_id else None
        if conversation is None:
            return [], sources_html([]), None, {}
        chat: list[dict[str, Any]] = []
        turn_of: dict[int, int] = {}
        sources = sources_html([])
        for (question, result), turn in zip(
            turn_results(conversation), conversation.turns, strict=True
        ):
            chat.append({"role": "user", "content": escape_markdown(question)})
            chat.append({"role": "assistant", "content": answer_markdown(result)})
            turn_of[len(chat) - 1] = turn.position
            sources = sources_html(result.citations, result.related)
        return chat, sources, conversation.id, turn_of

    def panel(self, conversation_id: str | None, user: str) -> tuple[Any, ...]:
        """The side panel for the current conversation: what the browser keeps (its id), the
        list (newest first, the current one selected), its title and the two downloads."""
        conversations = self.store.conversations(user)
        current = next((c for c in conversations if c.id == conversation_id), None)
        choices = [(c.title, c.id) for c in conversations]
        downloads = [gr.update(value=None, visible=False)] * 2
        if current is not None:
            whole = self.store.get(user, current.id)
            if whole is not None:
                downloads = [
                    gr.update(value=self._export(whole, fmt), visible=True)
                    for fmt in ("markdown", "json")
                ]
        return (
            {"conversation": current.id if current else None},
            gr.update(choices=choices, value=current.id if current else None),
            gr.update(value=current.title if current else "", interactive=current is not None),
            *downloads,
        )

    def _export(self, conversation: Any, fmt: str) -> str:
        path = self.folder / f"conversation-{conversation.id}.{SUFFIX[fmt]}"
        path.write_text(export_conversation(conversation, fmt), encoding="utf-8")  # type: ignore[arg-type]
        return str(path)

    def rename(self, conversation_id: str | None, title: str, user: str) -> str:
        """Rename the current conversation; a short note on what happened."""
        if not conversation_id:
            return "Ask a question first: a new chat is kept from its first answer."
        try:
            renamed = self.store.rename(user, conversation_id, title or "")
        except AssistantError as exc:
            return f"⚠️ {escape_markdown(str(exc))}"
        return "Renamed." if renamed else "This conversation is no longer kept."

    def delete(self, conversation_id: str | None, user: str) -> str:
        """Delete the current conversation; a short note on what happened."""
        if not conversation_id:
            return ""
        deleted = self.store.delete(user, conversation_id)
        return "Conversation deleted." if deleted else "This conversation is no longer kept."
