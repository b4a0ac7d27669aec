"""Does a source support a sentence? Shared terms, and meaning across languages.

An English answer about a paper the digest summarises only in Chinese shares few terms with
its source: names and numbers help, but not always. When the sentence and the source are in
different languages and the terms do not settle it, the embedder (already loaded for
retrieval) compares their meaning. No extra model call.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from assistant.answer.citations import lexical_support
from assistant.answer.text import detect_language


class CrossLingualSupport:
    """lexical_support, with an embedding check for sentences in the other language."""

    def __init__(self, embeddings: Any, *, min_support: float, min_similarity: float) -> None:
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
