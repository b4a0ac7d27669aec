"""The request bodies of the HTTP API (responses are the library's own JSON: the `ask
--json` result, the `search --json` hits, a paper's record)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_QUESTION_CHARS = 2000


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    """A question, alone or as a follow-up in a kept conversation."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    conversation_id: str | None = Field(
        default=None,
        description="Answer as a follow-up in this conversation (its turns are the history); "
        "without it a new conversation starts.",
    )
    categories: list[str] = Field(default_factory=list, description="Only these categories.")
    history: list[HistoryTurn] = Field(
        default_factory=list,
        description="Earlier turns, when no conversation_id is given (as `ask --history`).",
    )
    save: bool = Field(default=True, description="Keep the turn in the conversation.")
    include_papers: bool = Field(
        default=False,
        description="Add `papers`: the full records of the papers the answer shows.",
    )


class SummarizeRequest(BaseModel):
    topic: str = Field(min_length=1, max_length=300)
    categories: list[str] = Field(default_factory=list)
    max_papers: int | None = Field(default=None, ge=1, le=30)
    language: Literal["zh", "en"] | None = None


class RetrieveRequest(BaseModel):
    """Retrieval as an answer does it, without the model (eval runs' --retrieval-only)."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    history: list[HistoryTurn] = Field(default_factory=list)


class IngestRequest(BaseModel):
    """Paths on the server's machine (the command line sends absolute ones)."""

    paths: list[str] = Field(default_factory=list, description="Default: paths.digests.")
    rebuild: bool = False
    prune: bool = False


class RenameRequest(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text (a list of parts: its text parts joined)."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request; sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
