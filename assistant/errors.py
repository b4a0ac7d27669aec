"""One exception hierarchy for the whole assistant.

    AssistantError                  anything the assistant raises on purpose
    ├── UserError                   the user can fix it; shells print the message, exit 2
    │   ├── ConfigError             a setting is invalid or missing
    │   ├── DigestError             a digest file cannot be read (names file and line)
    │   ├── IndexStateError         the index is missing, locked, or built another way
    │   ├── ModelError              a model file is missing or fails verification
    │   ├── BackendError            an LLM / embedding / Chroma endpoint is down or refuses
    │   ├── PromptError             a prompt file is missing or has wrong placeholders
    │   ├── EvalSetError            an evaluation question set is unusable
    │   ├── ConversationError       no kept conversation with that id (for this login)
    │   └── BusyError               every answer slot stayed taken: try again later
    └── InternalError               a bug: shells show it with a traceback hint

Messages are one paragraph: what happened, where, and how to fix it. Shells translate
these at the edge only (click exits with the message, the web UI shows gr.Error).
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class UserError(AssistantError):
    """Something the user can fix: a bad path, setting, file or missing step."""

    exit_code = 2


class ConfigError(UserError):
    """A setting is invalid, missing, or contradicts another."""


class DigestError(UserError):
    """A digest file cannot be used; carries the file and line."""

    def __init__(
        self, message: str, *, file: str, line: int | None = None, hint: str | None = None
    ) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}", hint=hint)
        self.file = file
        self.line = line


class IndexStateError(UserError):
    """The vector index is missing, locked by another process, or built differently."""


class ModelError(UserError):
    """A local model is missing, incomplete, or does not match its pinned hash."""


class BackendError(UserError):
    """An LLM, embedding or Chroma endpoint is unreachable, refuses, or is misconfigured."""


class PromptError(UserError):
    """A prompt file is missing or its placeholders do not match what the code fills."""


class EvalSetError(UserError):
    """An evaluation question set cannot be used."""


class ConversationError(UserError):
    """No kept conversation with that id for this user (another login's counts as none)."""


class BusyError(UserError):
    """Every answer slot of the process stayed taken for longer than the wait allowed."""


class InternalError(AssistantError):
    """A bug in the assistant rather than a user mistake."""
