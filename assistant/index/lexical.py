"""The lexical side of the index: bilingual tokenization and a BM25 index over chunks.

Chinese runs are cut with jieba's search mode (words and their sub-words, so 大语言模型
also matches 语言模型); Latin text is lower-cased and split into words, optionally
stemmed. The tokens of every chunk are computed once at ingest and stored with the chunk
in Chroma, so the BM25 index is rebuilt from the store alone (no re-tokenizing), in local
and server mode alike, and cannot drift from it.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

# Bump when tokenization changes: stored tokens would no longer match query tokens.
TOKENIZER_VERSION = 1
_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:[\-_.+][a-z0-9]+)*")
# fmt: off
_CHINESE_STOPWORDS = frozenset([
    "的", "了", "和", "与", "及", "或", "在", "是", "对", "中", "等", "并", "也", "将", "为",
    "以", "其", "该", "这", "那", "之", "于", "被", "由", "而", "且", "则", "但", "我们", "通过",
    "一种", "一个", "进行", "使用", "以及", "如何", "什么", "哪些", "哪个", "哪篇", "有", "吗",
    "呢", "吧", "个", "篇", "论文", "这个", "这篇", "关于", "提出",
])
# fmt: on
_jieba_lock = threading.Lock()


@dataclass(frozen=True)
class LexicalParams:
    """How text becomes BM25 tokens; part of the index identity."""

    stem: bool = False

    def describe(self) -> str:
        return f"lexical-v{TOKENIZER_VERSION};jieba-search;stem={'en' if self.stem else 'none'}"


@lru_cache(maxsize=1)
def _english_stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _jieba() -> Any:
    """jieba, loaded on first use (its dictionary takes about a second)."""
    import jieba

    jieba.setLogLevel(60)
    with _jieba_lock:
        jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def english_stem(word: str) -> str:
    """The Snowball stem of an English word ("repeating" -> "repeat")."""
    return _stemmer().stemWord(word)


def fold(text: str) -> str:
    """Text as tokens are made from it: NFKC (full-width forms), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str, params: LexicalParams) -> list[str]:
    """BM25 tokens of a text in Chinese, English, or both."""
    text = fold(text)
    stop_en = _english_stopwords()
    tokens: list[str] = []
    latin: list[str] = []
    for match in _RUNS.finditer(text):
        run = match.group()
        if run[0] >= "\u3400":
            tokens.extend(
                word for word in _jieba().cut_for_search(run) if word not in _CHINESE_STOPWORDS
            )
            continue
        words = re.split(r"[\-_.+]", run)
        if len(words) > 1:
            latin.append("".join(words))  # "fine-tuning" also matches "finetuning"
        latin.extend(w for w in words if w and w not in stop_en)
    if params.stem:
        latin = _stemmer().stemWords(latin)
    return tokens + latin


class LexicalIndex:
    """BM25 (Lucene variant) over a fixed list of documents given as tokens."""

    def __init__(self, tokens: Sequence[Sequence[str]] | None = None) -> None:
        import bm25s

        tokens = tokens or []
        self.size = len(tokens)
        self._bm25 = bm25s.BM25()
        if self.size:
            # bm25s needs at least one token per corpus; an empty document scores zero.
            self._bm25.index([list(t) or [""] for t in tokens], show_progress=False)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "size").write_text(str(self.size))
        if self.size:
            self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """An index saved by `save` (memory-mapped, so a large one opens at once)."""
        import bm25s

        index = cls()
        index.size = int((folder / "size").read_text())
        if index.size:
            index._bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        return index

    def vocabulary(self) -> list[str]:
        """Every token the index holds."""
        return list(self._bm25.vocab_dict) if self.size else []

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """The BM25 score of every document for the query (zeros when nothing matches)."""
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        ids = self._bm25.get_tokens_ids([t for t in query_tokens if t])
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def top(
        self, query_tokens: Sequence[str], n: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Up to `n` (document index, score) pairs with a positive score, best first."""
        scores = self.scores(query_tokens)
        if mask is not None and scores.size:
            scores = np.where(mask, scores, 0.0)
        if not scores.size:
            return []
        n = min(n, scores.size)
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in best if scores[i] > 0]
