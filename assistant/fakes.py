"""Deterministic stand-ins for the models, shipped in the package for tests and demos.

FakeEmbeddings keeps lexical similarity (hashed bag of words plus Chinese character
bigrams), so ranking tests mean something. ScriptedChatModel replies from a script and
records every prompt it was sent.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

from assistant.text.language import CJK
from assistant.text.sentences import split_sentences, strip_label

_WORD = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]+")


def lexical_features(text: str) -> list[str]:
    """Lower-cased English words, and Chinese characters and bigrams."""
    features: list[str] = []
    for token in _WORD.findall(text.lower()):
        if token[0] >= "\u4e00":
            features.extend(token)
            features.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            features.append(token)
    return features


class FakeEmbeddings(Embeddings):
    """Hashed bag-of-features vectors, L2-normalised: similar words, similar vectors."""

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.calls: list[int] = []  # batch sizes, so tests can check what was embedded

    def _embed(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for feature in lexical_features(text):
            digest = hashlib.md5(feature.encode("utf-8")).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dimension
            vector[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


Reply = str | Exception | Callable[[list[BaseMessage]], str]


class ScriptedChatModel(BaseChatModel):
    """Replies in turn from `script` (the last reply repeats); records every prompt.

    A reply may be a string, an exception to raise, or a function of the messages.
    With `fail_after_tokens`, streaming raises the exception after that many chunks, to
    imitate a backend that dies mid-answer.
    """

    script: list[Any] = Field(default_factory=lambda: ["This is a scripted answer [1]."])
    fail_after_tokens: int | None = None
    _prompts: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _turn: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    @property
    def prompts(self) -> list[list[BaseMessage]]:
        """Every message list this model was called with, in order."""
        return self._prompts

    def _next_reply(self, messages: list[BaseMessage]) -> str:
        self._prompts.append(list(messages))
        reply = self.script[min(self._turn, len(self.script) - 1)]
        self._turn += 1
        if isinstance(reply, Exception):
            raise reply
        return reply(messages) if callable(reply) else str(reply)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._next_reply(messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self._next_reply(messages)
        for n, piece in enumerate(_pieces(text)):
            if self.fail_after_tokens is not None and n >= self.fail_after_tokens:
                raise ConnectionError("scripted backend failure mid-stream")
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


def extractive_reply(messages: list[BaseMessage]) -> str:
    """A reply made of one fact line of source [1], cited: a demo that needs no model.

    It picks the first line of source [1] in the language the prompt asks for.
    Condense prompts (no numbered sources) get the last user turn and the question.
    """
    prompts = [str(m.content) for m in messages if "[1] " in str(m.content)]
    if not prompts:  # a condense prompt: the last user turn, then the question
        text = str(messages[-1].content)
        last = re.findall(r"(?:Last question|最后一个问题)[:：]\s*(.+)", text)
        earlier = re.findall(r"^user: (.+)$", text, re.M)
        question = last[-1].strip() if last else text.strip().splitlines()[-1]
        return f"{earlier[-1].strip()} {question}" if earlier else question
    prompt = prompts[-1]
    chinese = "资料：" in prompt or "Answer in Chinese" in prompt
    block = prompt.split("[1] ", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    lines = [strip_label(line).strip() for line in block]
    lines = [line for line in lines if line] or ["…"]
    same = [line for line in lines if bool(CJK.search(line)) == chinese]
    sentence = split_sentences((same or lines)[0])[0]
    return f"{sentence} [1]"


def _pieces(text: str) -> Sequence[str]:
    """Split text into small streaming pieces: words, or single Chinese characters."""
    return re.findall(r"\s*[\u4e00-\u9fff]|\s*[^\s\u4e00-\u9fff]+|\s+", text) or [text]
