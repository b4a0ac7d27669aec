"""👍/👎 ratings as eval-set material: one JSON line per rated turn.

The entry has the fields the web chat used to append to its feedback file (time, liked,
question, answer, cited and retrieved paper ids, abstained), plus where the turn lives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assistant.conversations.model import iso_time
from assistant.conversations.store import ConversationStore


def feedback_entries(store: ConversationStore, user: str | None = None) -> Iterator[dict[str, Any]]:
    """The rated turns (of one user, or of all), oldest rating first."""
    for conversation, turn in store.rated_turns(user):
        result = turn.result
        yield {
            "time": iso_time(turn.feedback_at),
            "liked": turn.feedback,
            "question": turn.question,
            "answer": result.get("answer", ""),
            "cited": [c["paper_id"] for c in result.get("citations", [])],
            "retrieved": [r["paper_id"] for r in result.get("retrieved", [])],
            "abstained": bool(result.get("abstained")),
            "conversation_id": conversation.id,
            "turn": turn.position,
        }
