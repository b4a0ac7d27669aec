"""Sentences of Chinese and English text, and packing them into token-bounded parts.

A sentence ends at Chinese 。！？； (and a closing quote after them), at ! or ?, or at a
full stop followed by a space and something that starts a sentence. Abbreviations and
decimals ("e.g. the", "et al. show", "14.4%") do not end one. In model output, citation
markers written just after a sentence's end stay with that sentence ("… accuracy. [1]",
"…提升了 27%。[1]"): `split_sentences(text, markers=True)`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from assistant.text.markers import MARKER_RUN, ONLY_MARKERS

_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "fig.", "eq.", "cf.", "approx.", "no.")
_CHINESE_END = re.compile(r"[。！？；][”」』）)]?")
_LATIN_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9\u4e00-\u9fff])")
# In model output a sentence may also end right before a marker or at the end of the text.
_LATIN_END_MARKED = re.compile(r"(?<=[.!?])[\"')]?(?:" + MARKER_RUN + r")?(?:\s+(?=\S)|$)")
# A sentence that opens with a yes or a no: "Yes, …", "No …", "是的，", "不是，", "有，".
_YES_NO_START = re.compile(r"^\s*(?:yes|no)\b|^\s*(?:是的|不是|是|否|不|没有|有)[，,。]", re.I)
# What makes a text a question: a question mark, a Chinese question word or particle, or
# an English question word first.
_QUESTION = re.compile(
    r"[?？]\s*$|吗|呢|什么|多少|哪|几|如何|怎么|怎样|是否|为何|为什么|有没有|是不是"
    r"|^\s*(?:what|which|how|why|who|whom|whose|when|where|is|are|was|were|does|do|did|can"
    r"|could|has|have|had|should|would|will)\b",
    re.I,
)
# "Name:" or "问题：" at the start of a line: a field label, not part of the sentence.
_LABEL = re.compile(r"^[^:：\n]{1,%d}[:：]\s*")


def split_sentences(text: str, *, markers: bool = False) -> list[str]:
    """The sentences of `text`, each stripped, in order; joining them loses only spacing.

    With `markers=True` (model output), markers after a sentence's end belong to it, and
    a line that is only markers joins the sentence before it.
    """
    pieces: list[str] = []
    chinese_end = _with_markers(_CHINESE_END) if markers else _CHINESE_END
    for line in text.splitlines():
        start = 0
        for match in chinese_end.finditer(line):
            pieces.append(line[start : match.end()])
            start = match.end()
        pieces.append(line[start:])
    sentences: list[str] = []
    for piece in pieces:
        sentences.extend(_split_latin(piece, markers))
    out = [s.strip() for s in sentences if s.strip()]
    if markers:
        out = _merge_marker_only(out)
    return out


def _with_markers(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(pattern.pattern + "(?:" + MARKER_RUN + ")?")


def _split_latin(text: str, markers: bool) -> list[str]:
    out: list[str] = []
    start = 0
    for match in (_LATIN_END_MARKED if markers else _LATIN_END).finditer(text):
        candidate = text[start : match.start()].rstrip()
        if candidate.lower().endswith(_ABBREVIATIONS):
            continue
        out.append(text[start : match.end()])
        start = match.end()
    out.append(text[start:])
    return out


def _merge_marker_only(sentences: list[str]) -> list[str]:
    merged: list[str] = []
    for sentence in sentences:
        if merged and ONLY_MARKERS.fullmatch(sentence):
            merged[-1] = f"{merged[-1]}{sentence}"
        else:
            merged.append(sentence)
    return merged


def strip_label(text: str, max_label: int = 16) -> str:
    """The text without a leading "label:" of at most `max_label` characters."""
    return re.sub(_LABEL.pattern % max_label, "", text, count=1)


def join_sentences(sentences: list[str]) -> str:
    """Sentences back into text: no space between Chinese sentences, one between others."""
    text = ""
    for sentence in sentences:
        if text and not (_is_cjk(text[-1]) and _is_cjk(sentence[0])):
            text += " "
        text += sentence
    return text


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or char in "。！？；，、：”」』）"


def pack_sentences(
    sentences: list[str],
    max_tokens: int,
    count: Callable[[str], int],
    truncate: Callable[[str, int], str],
) -> list[str]:
    """Group consecutive sentences into parts of at most `max_tokens` tokens, of even size.

    The number of parts is the least that fits; each part aims at an equal share, so a
    text slightly over the bound becomes two halves rather than a long part and a stub.
    A single sentence longer than the bound is cut on token boundaries.
    """
    units: list[str] = []
    for sentence in sentences:
        units.extend(_cut_long(sentence, max_tokens, count, truncate))
    if not units:
        return []
    sizes = [count(unit) for unit in units]
    total = count(join_sentences(units))
    if total <= max_tokens:
        return [join_sentences(units)]
    target = total / math.ceil(total / max_tokens)
    parts: list[list[str]] = [[]]
    size = 0
    for unit, unit_size in zip(units, sizes, strict=True):
        if parts[-1] and (size + unit_size > max_tokens or size >= target):
            parts.append([])
            size = 0
        parts[-1].append(unit)
        size += unit_size
    return [join_sentences(part) for part in parts]


def _cut_long(
    sentence: str, max_tokens: int, count: Callable[[str], int], truncate: Callable[[str, int], str]
) -> list[str]:
    pieces: list[str] = []
    rest = sentence
    while count(rest) > max_tokens:
        head = truncate(rest, max_tokens)
        # A cut inside a multi-byte character decodes to U+FFFD; step back until clean.
        budget = max_tokens
        while "\ufffd" in head[-2:] and budget > 1:
            budget -= 1
            head = truncate(rest, budget)
        pieces.append(head.strip())
        rest = rest[len(head) :].strip()
    if rest:
        pieces.append(rest)
    return pieces


def starts_with_yes_or_no(sentence: str) -> bool:
    """Whether the sentence answers a yes/no question first ("Yes, …", "不是，…")."""
    return bool(_YES_NO_START.match(sentence))


def is_question(text: str) -> bool:
    """Whether the text asks something ("What dataset did it use?", "它用了什么数据集")."""
    return bool(_QUESTION.search(text))
