"""Content terms of a text, for measuring how much two texts share.

English words without stopwords (with a crude plural folding) and Chinese character
bigrams: cheap, deterministic, and good enough to tell whether a source talks about what
a sentence says. (BM25 has its own tokenizer, `index/lexical.py`, stored with the index.)
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

_STOPWORDS = frozenset(
    "a an the of to in on for and or with by from as at is are was were be been being it its "  # noqa: SIM905
    "this that these those which what who whom how why when where does do did can could would "
    "should will may might paper papers study work method methods approach propose proposes "
    "proposed we our they their them than then also such into about using use used based "
    "show shows shown new novel more most via not no yes".split()
)
_EN_WORD = re.compile(r"[a-z][a-z0-9\-]*[a-z0-9]|[a-z]")
_ZH_STOP = frozenset("的了和是在与及对等中为以将从并或也这那其该个种一")
_ZH_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Names a sentence may carry: mixed case or letters with digits (GuardSpace, Llama-2-7B, s1).
NAME = re.compile(r"[A-Za-z]*[A-Z][A-Za-z]*[A-Z0-9][\w\-]*|[A-Za-z]+\d[\w\-]*")


def terms(text: str) -> set[str]:
    """Content terms: English words (no stopwords, crude plural folding) and Chinese bigrams."""
    text = unicodedata.normalize("NFKC", text).lower()
    found: set[str] = set()
    for word in _EN_WORD.findall(text):
        if word not in _STOPWORDS and len(word) > 1:
            found.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    for run in _ZH_RUN.findall(text):
        chars = [c for c in run if c not in _ZH_STOP] or list(run)
        found.update(a + b for a, b in pairwise(chars))
        if len(chars) == 1:
            found.add(chars[0])
    return found


def names_in(text: str) -> set[str]:
    """The name-like words of a text (see NAME)."""
    return set(NAME.findall(text))


def overlap(sentence: str, source: str) -> float:
    """Share of the sentence's content terms that the source contains (0 with none)."""
    wanted = terms(sentence)
    return len(wanted & terms(source)) / len(wanted) if wanted else 0.0
