"""A kept conversation and its turns, as read back from the store."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

TITLE_CHARS = 60


def title_from(question: str) -> str:
    """A conversation's title: its first question, on one line, cut to ~60 characters."""
    text = " ".join(question.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def iso_time(seconds: float | None) -> str | None:
    """Local time with its offset, e.g. 2025-03-01T14:02:11+0800."""
    if seconds is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(seconds))


@dataclass
class Turn:
    """One question and the result of answering it (AnswerResult.to_dict()), with the full
    records of the papers the answer shows (cited, or related when it abstained)."""

    position: int
    question: str
    result: dict[str, Any]
    papers: dict[str, dict[str, Any]]
    asked_at: float
    feedback: bool | None = None
    feedback_at: float | None = None

    @property
    def answer(self) -> str:
        return str(self.result.get("answer", ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "question": self.question,
            "asked_at": iso_time(self.asked_at),
            "feedback": self.feedback,
            "result": self.result,
        }


@dataclass
class Conversation:
    """A conversation of one user; `turns` is filled when it is read whole."""

    id: str
    user: str
    title: str
    created_at: float
    updated_at: float
    turn_count: int = 0
    turns: list[Turn] = field(default_factory=list)

    def history(self) -> list[dict[str, str]]:
        """The turns as the answer service reads a conversation: plain questions and answers."""
        history: list[dict[str, str]] = []
        for turn in self.turns:
            history.append({"role": "user", "content": turn.question})
            history.append({"role": "assistant", "content": turn.answer})
        return history

    def summary(self) -> dict[str, Any]:
        """What a list shows: id, title, times, number of turns."""
        return {
            "id": self.id,
            "title": self.title,
            "created_at": iso_time(self.created_at),
            "updated_at": iso_time(self.updated_at),
            "turn_count": self.turn_count,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON export: the summary and every turn with its whole result."""
        return {
            "format": "digest-assistant.conversation/1",
            **self.summary(),
            "turns": [turn.to_dict() for turn in self.turns],
        }
