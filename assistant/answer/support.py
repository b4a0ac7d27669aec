"""Does a source support a sentence? Shared terms and names, and meaning across languages.

`lexical_support` is the share of the sentence's content terms (and of its names and
numbers) that the source contains. An English answer about a paper the digest summarises
only in Chinese shares few terms with its source: names and numbers help, but not always.
`CrossLingualSupport` adds, when the sentence and the source are in different languages and
the terms do not settle it, the embedder's judgement of their meaning (the embedder is
already loaded for retrieval; no extra model call).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.digest.model import Paper
from assistant.text.language import detect_language
from assistant.text.numbers import is_stated, numbers
from assistant.text.terms import names_in, overlap

SupportFn = Callable[[str, str], float]


def lexical_support(sentence: str, source_text: str) -> float:
    """Share of the sentence's content terms, and of its names/numbers, found in the source."""
    lexical = overlap(sentence, source_text)
    names = names_in(sentence)
    sentence_numbers = {n.written: n for n in numbers(sentence)}
    if names or sentence_numbers:
        # Numbers compare by value: "84.6%" is in a source that writes "84.6\%".
        source_numbers = numbers(source_text)
        folded = source_text.lower()
        found = sum(1 for a in names if a.lower() in folded) + sum(
            1 for n in sentence_numbers.values() if is_stated(n, source_numbers)
        )
        return max(lexical, found / (len(names) + len(sentence_numbers)) * 0.9)
    return lexical


class CrossLingualSupport:
    """lexical_support, with an embedding check for sentences in the other language."""

    def __init__(
        self, embeddings: Embeddings, *, min_support: float, min_similarity: float
    ) -> None:
        self.embeddings = embeddings
        self.min_support = min_support
        self.min_similarity = min_similarity
        self._vector = lru_cache(maxsize=256)(self._unit_vector)

    def _unit_vector(self, text: str) -> np.ndarray:
        vector = np.asarray(self.embeddings.embed_documents([text])[0], dtype=float)
        return vector / (np.linalg.norm(vector) or 1.0)

    def similarity(self, sentence: str, source_text: str) -> float:
        return float(self._vector(sentence) @ self._vector(source_text))

    def __call__(self, sentence: str, source_text: str) -> float:
        lexical = lexical_support(sentence, source_text)
        if lexical >= self.min_support:
            return lexical
        if detect_language(sentence) == detect_language(source_text):
            return lexical
        if self.similarity(sentence, source_text) >= self.min_similarity:
            return self.min_support  # supported in meaning, across languages
        return lexical


def identity_text(paper: Paper) -> str:
    """What identifies a paper beyond its text: names, titles and tags (an English question
    about a paper summarised only in Chinese matches its English title)."""
    parts = [paper.display_name, paper.title_en, paper.title_zh, " ".join(paper.tags)]
    return "\n".join(p for p in parts if p)


def entry_text(paper: Paper) -> str:
    """Everything the digest says of a paper: what identifies it and all of its text."""
    fields = [paper.tldr, paper.summary_zh, *paper.sections.values(), paper.abstract]
    return "\n".join(p for p in (identity_text(paper), *fields) if p)


def _names_of(paper: Paper) -> list[str]:
    """How a text names the paper: its display name ("QuRL (rubrics)" is named as "QuRL")
    and its titles."""
    base = paper.display_name.split(" (", 1)[0]
    return [name for name in (base, paper.title_en, paper.title_zh) if name]


def mentions(sentence: str, paper: Paper) -> bool:
    """True when the sentence names the paper: its display name or one of its titles."""
    for name in _names_of(paper):
        if len(name) < 2:
            continue
        # A name inside a longer one ("Warmup-Stable" in "Warmup-Stable-Only") is not it.
        pattern = r"(?<![A-Za-z0-9_\-])" + re.escape(name) + r"(?![A-Za-z0-9_\-])"
        if re.search(pattern, sentence, re.I):
            return True
    return False


def without_names(text: str, papers: Sequence[Paper]) -> str:
    """`text` with the papers' display names and titles taken out."""
    for paper in papers:
        for name in _names_of(paper):
            text = text.replace(name, " ")
    return text
