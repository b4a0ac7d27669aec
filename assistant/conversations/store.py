"""The conversations file: SQLite, one row per conversation and per turn, every query
scoped to one user.

Safe with several chats at once, in one process or several (the web server and a terminal
`assistant chat`): the file is in WAL mode, each call opens its own connection, and each
write is one short transaction that waits for another writer (busy timeout) instead of
failing. A turn is written once its answer is complete, in one transaction, synced to disk,
so a crash loses at most the turn in progress. The file is readable by its owner only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.conversations.model import Conversation, Turn, title_from
from assistant.conversations.schema import migrate
from assistant.errors import ConfigError, ConversationError, UserError

BUSY_TIMEOUT_S = 15.0
_COLUMNS = "c.id, c.user, c.title, c.created_at, c.updated_at"


class ConversationStore:
    """Conversations and turns in the SQLite file at `path` (created on first use)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self._ready = False
        self._ready_lock = threading.Lock()

    # --- connections ------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    def _connect(self) -> sqlite3.Connection:
        try:
            if not self._ready:
                with self._ready_lock:
                    if not self._ready:
                        self._prepare()
                        self._ready = True
            return self._open()
        except sqlite3.Error as exc:
            raise self._failure(exc) from None

    def _prepare(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists()
        conn = self._open()
        try:
            if fresh:
                os.chmod(self.path, 0o600)  # other local users may not read the chats
            conn.execute("PRAGMA journal_mode = WAL")
            migrate(conn, self.path)
        finally:
            conn.close()

    def _failure(self, exc: sqlite3.Error) -> ConfigError:
        return ConfigError(
            f"The conversations file {self.path} cannot be used ({type(exc).__name__}: {exc}).",
            hint="Check the file and its folder (permissions, free space), or set "
            "paths.conversations to another file.",
        )

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        except sqlite3.Error as exc:
            raise self._failure(exc) from None
        finally:
            conn.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction that takes the write lock at once (no upgrade deadlocks)."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._failure(exc) from None
        finally:
            conn.close()

    # --- reading ----------------------------------------------------------------------------

    def conversations(self, user: str, *, limit: int = 200) -> list[Conversation]:
        """The user's conversations, most recently active first (turns not read)."""
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS}, (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id)"
                " AS turn_count FROM conversations c WHERE c.user = ?"
                " ORDER BY c.updated_at DESC, c.created_at DESC LIMIT ?",
                (user, limit),
            ).fetchall()
        return [_conversation(row) for row in rows]

    def get(self, user: str, conversation_id: str) -> Conversation | None:
        """The whole conversation, or None when this user has none with that id."""
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS}, 0 AS turn_count FROM conversations c"
                " WHERE c.id = ? AND c.user = ?",
                (conversation_id, user),
            ).fetchone()
            if row is None:
                return None
            turns = conn.execute(
                "SELECT * FROM turns WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            ).fetchall()
        conversation = _conversation(row)
        conversation.turns = [_turn(t) for t in turns]
        conversation.turn_count = len(conversation.turns)
        return conversation

    def require(self, user: str, conversation_id: str) -> Conversation:
        """The conversation, or a ConversationError that says how to find the right id."""
        conversation = self.get(user, conversation_id)
        if conversation is None:
            raise ConversationError(
                f"No conversation {conversation_id!r} for {user!r}.",
                hint="`assistant conversations list` shows the ids.",
            )
        return conversation

    def resolve(self, user: str, ref: str) -> str:
        """The id of the user's conversation that `ref` names: its id, or a unique start."""
        ref = ref.strip()
        with self._reading() as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM conversations WHERE user = ? AND substr(id, 1, ?) = ?",
                    (user, len(ref), ref),
                )
            ]
        if ref in ids:
            return ref
        if len(ids) == 1 and ref:
            return ids[0]
        if ids and ref:
            raise ConversationError(
                f"{ref!r} starts {len(ids)} conversation ids; give more of it.",
                hint="`assistant conversations list` shows the ids.",
            )
        raise ConversationError(
            f"No conversation {ref!r} for {user!r}.",
            hint="`assistant conversations list` shows the ids (use --user for a login's).",
        )

    def rated_turns(self, user: str | None = None) -> list[tuple[Conversation, Turn]]:
        """Every turn with 👍/👎 feedback (of one user, or all), oldest rating first."""
        where, args = ("AND c.user = ?", (user,)) if user is not None else ("", ())
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS}, 0 AS turn_count, t.* FROM turns t"
                " JOIN conversations c ON c.id = t.conversation_id"
                f" WHERE t.feedback IS NOT NULL {where} ORDER BY t.feedback_at",
                args,
            ).fetchall()
        return [(_conversation(row), _turn(row)) for row in rows]

    # --- writing ----------------------------------------------------------------------------

    def add_turn(
        self,
        user: str,
        conversation_id: str | None,
        question: str,
        result: dict[str, Any],
        papers: dict[str, dict[str, Any]],
    ) -> tuple[str, int]:
        """Save a finished turn; without a conversation id, a new conversation titled from
        the question. Returns (conversation id, the turn's position)."""
        now = time.time()
        with self._writing() as conn:
            if conversation_id is None:
                conversation_id = uuid.uuid4().hex[:12]
                conn.execute(
                    "INSERT INTO conversations (id, user, title, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (conversation_id, user, title_from(question), now, now),
                )
            else:
                updated = conn.execute(
                    "UPDATE conversations SET updated_at = ? WHERE id = ? AND user = ?",
                    (now, conversation_id, user),
                ).rowcount
                if not updated:
                    raise ConversationError(
                        f"No conversation {conversation_id!r} for {user!r} (deleted meanwhile?).",
                        hint="Start a new chat.",
                    )
            position = conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM turns WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO turns (conversation_id, position, question, result, papers, asked_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    position,
                    question,
                    json.dumps(result, ensure_ascii=False),
                    json.dumps(papers, ensure_ascii=False),
                    now,
                ),
            )
        return conversation_id, int(position)

    def rename(self, user: str, conversation_id: str, title: str) -> bool:
        """Give the conversation a new title (one line, not empty); False if not found."""
        title = " ".join(title.split())[:200]
        if not title:
            raise UserError("A conversation's title cannot be empty.")
        with self._writing() as conn:
            return bool(
                conn.execute(
                    "UPDATE conversations SET title = ? WHERE id = ? AND user = ?",
                    (title, conversation_id, user),
                ).rowcount
            )

    def delete(self, user: str, conversation_id: str) -> bool:
        """Delete the conversation and its turns; False if the user has none with that id."""
        with self._writing() as conn:
            found = conn.execute(
                "SELECT 1 FROM conversations WHERE id = ? AND user = ?", (conversation_id, user)
            ).fetchone()
            if found is None:
                return False
            conn.execute("DELETE FROM turns WHERE conversation_id = ?", (conversation_id,))
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return True

    def set_feedback(
        self, user: str, conversation_id: str, position: int, liked: bool | None
    ) -> bool:
        """Rate a turn 👍 (True) or 👎 (False), or clear it (None); False if not found."""
        value = None if liked is None else int(bool(liked))
        with self._writing() as conn:
            return bool(
                conn.execute(
                    "UPDATE turns SET feedback = ?, feedback_at = ? WHERE conversation_id = ?"
                    " AND position = ? AND conversation_id IN"
                    " (SELECT id FROM conversations WHERE user = ?)",
                    (value, time.time(), conversation_id, position, user),
                ).rowcount
            )


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        user=row["user"],
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        turn_count=int(row["turn_count"]),
    )


def _turn(row: sqlite3.Row) -> Turn:
    feedback = row["feedback"]
    return Turn(
        position=int(row["position"]),
        question=row["question"],
        result=json.loads(row["result"]),
        papers=json.loads(row["papers"]),
        asked_at=row["asked_at"],
        feedback=None if feedback is None else bool(feedback),
        feedback_at=row["feedback_at"],
    )
