"""Text pieces the answer code reasons about: language, sentences, terms, numbers.

Cheap and deterministic on purpose: these run on every answer, after the model.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str) -> str:
    """'zh' when Chinese characters carry the text, else 'en'."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    return "zh" if cjk and cjk >= 0.5 * words else "en"


def in_language(text: str, lang: str) -> bool:
    """True when the text is in `lang`, or has no words to judge by (a bare "84.6% [1]")."""
    if not _CJK.search(text) and not _LATIN_WORD.search(text):
        return True
    return detect_language(text) == lang


# A sentence ends at 。！？!? or at ". " / ".\n"; citation markers just after the end stay
# with the sentence they follow ("... accuracy. [1]" or "…提升了 27%[1]。").
_MARKER = r"\s*(?:\[\d+(?:\s*[,，]\s*\d+)*\]|【\d+】)"
_MARKERS = f"(?:{_MARKER})*"
_ONLY_MARKERS = re.compile(f"(?:{_MARKER})+")
_SENTENCE = re.compile(
    r".+?(?:[。！？!?]+"
    + _MARKERS
    + r"|(?<!e\.g)(?<!i\.e)(?<!\bal)(?<!\bvs)\.(?=\s|$|\[)"
    + _MARKERS
    + r"|$)",
    re.S,
)


def split_sentences(text: str) -> list[str]:
    """Sentences of a mixed Chinese/English text, markers kept with their sentence."""
    pieces: list[str] = []
    for paragraph in text.split("\n"):
        for match in _SENTENCE.finditer(paragraph):
            piece = match.group(0).strip()
            if piece:
                pieces.append(piece)
    # A piece that is only markers (e.g. "[2]" after a line break) joins the previous one.
    merged: list[str] = []
    for piece in pieces:
        if merged and _ONLY_MARKERS.fullmatch(piece):
            merged[-1] = f"{merged[-1]}{piece}"
        else:
            merged.append(piece)
    return merged


_STOPWORDS = frozenset(
    "a an the of to in on for and or with by from as at is are was were be been being it its "  # noqa: SIM905
    "this that these those which what who whom how why when where does do did can could would "
    "should will may might paper papers study work method methods approach propose proposes "
    "proposed we our they their them than then also such into about using use used based "
    "show shows shown new novel more most via not no yes".split()
)
_EN_WORD = re.compile(r"[a-z][a-z0-9\-]*[a-z0-9]|[a-z]")
_ZH_STOP = frozenset("的了和是在与及对等中为以将从并或也这那其该个种一")


def terms(text: str) -> set[str]:
    """Content terms: English words (no stopwords, crude plural folding) and Chinese bigrams."""
    text = unicodedata.normalize("NFKC", text).lower()
    found: set[str] = set()
    for word in _EN_WORD.findall(text):
        if word not in _STOPWORDS and len(word) > 1:
            found.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        chars = [c for c in run if c not in _ZH_STOP] or list(run)
        found.update(a + b for a, b in pairwise(chars))
        if len(chars) == 1:
            found.add(chars[0])
    return found


_NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)*)\s*(%|％|倍|x|×|亿|万|千|百万|billion|million|thousand|[kKmMbB](?![a-zA-Z]))?"
)
_SCALE = {
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
    "百万": 1e6,
    "billion": 1e9,
    "million": 1e6,
    "thousand": 1e3,
    "k": 1e3,
    "m": 1e6,
    "b": 1e9,
}


def numbers(text: str) -> list[tuple[str, float | None, float | None]]:
    """Numbers written in a text: (as written, plain value, value with its unit scale)."""
    found = []
    for match in _NUMBER.finditer(text):
        literal, unit = match.group(1), (match.group(2) or "")
        try:
            value = float(literal.replace(",", ""))
        except ValueError:
            value = None
        scale = _SCALE.get(unit.lower())
        scaled = value * scale if value is not None and scale else value
        found.append((match.group(0).strip(), value, scaled))
    return found


def number_is_grounded(
    number: tuple[str, float | None, float | None], source_numbers: list[tuple]
) -> bool:
    """True when the number appears in the source, as written or as the same quantity."""
    _, value, scaled = number
    for _, s_value, s_scaled in source_numbers:
        if value is not None and s_value is not None and abs(value - s_value) < 1e-9:
            return True
        if (
            scaled is not None
            and s_scaled is not None
            and abs(scaled - s_scaled) <= 1e-6 * abs(s_scaled or 1)
        ):
            return True
    return False
