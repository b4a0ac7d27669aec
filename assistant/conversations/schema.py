"""The conversations file's schema, as an ordered list of migrations.

The file records the number of migrations applied (SQLite's `user_version`); opening it
applies the missing ones, each in its own transaction. A file written by a newer version
(a higher number than this list knows) is refused rather than guessed at. Add a migration
by appending to MIGRATIONS; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.errors import ConfigError

MIGRATIONS: list[list[str]] = [
    # 1: conversations per user; turns with the answer result and the papers it shows.
    [
        """CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            title TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""",
        "CREATE INDEX conversations_by_user ON conversations (user, updated_at DESC)",
        """CREATE TABLE turns (
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            question TEXT NOT NULL,
            result TEXT NOT NULL,
            papers TEXT NOT NULL,
            asked_at REAL NOT NULL,
            feedback INTEGER,
            feedback_at REAL,
            PRIMARY KEY (conversation_id, position)
        )""",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file up to SCHEMA_VERSION (another process may be doing the same)."""
    while True:
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise ConfigError(
                f"{path} was written by a newer version of the assistant (conversations "
                f"schema {version}; this one knows up to {SCHEMA_VERSION}).",
                hint="Upgrade the assistant, or set paths.conversations to another file.",
            )
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) == version:  # nobody migrated it meanwhile
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
