"""A kept conversation as a Markdown document or as JSON (CLI, web download, HTTP API)."""

from __future__ import annotations

import json
from typing import Literal

from assistant.answer.result import AnswerResult
from assistant.conversations.model import Conversation, iso_time
from assistant.conversations.restore import result_from_dict
from assistant.present.conversation import conversation_markdown

ExportFormat = Literal["markdown", "json"]
SUFFIX = {"markdown": "md", "json": "json"}


def turn_results(conversation: Conversation) -> list[tuple[str, AnswerResult]]:
    """Each turn's question and its answer result, read back."""
    return [(t.question, result_from_dict(t.result, t.papers)) for t in conversation.turns]


def export_conversation(conversation: Conversation, fmt: ExportFormat) -> str:
    """The conversation as Markdown (answers with their links, a reference list) or JSON."""
    if fmt == "json":
        return json.dumps(conversation.to_dict(), ensure_ascii=False, indent=2) + "\n"
    subtitle = f"{iso_time(conversation.created_at)} · {conversation.id}"
    return conversation_markdown(conversation.title, turn_results(conversation), subtitle=subtitle)
