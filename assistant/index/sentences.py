"""Splitting text into sentences (Chinese and English) and packing them into token-bounded parts."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

# A sentence ends at Chinese 。！？； (and a closing quote after them), at ! or ?, or at a
# full stop followed by a space and something that starts a sentence. Abbreviations and
# decimals ("e.g. the", "et al. show", "14.4%") do not end one.
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "fig.", "eq.", "cf.", "approx.", "no.")
_CHINESE_END = re.compile(r"[。！？；][”」』）)]?")
_LATIN_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9\u4e00-\u9fff])")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each stripped, in order; joining them loses only spacing."""
    pieces: list[str] = []
    for line in text.splitlines():
        start = 0
        for match in _CHINESE_END.finditer(line):
            pieces.append(line[start : match.end()])
            start = match.end()
        pieces.append(line[start:])
    sentences: list[str] = []
    for piece in pieces:
        sentences.extend(_split_latin(piece))
    return [s.strip() for s in sentences if s.strip()]


def _split_latin(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for match in _LATIN_END.finditer(text):
        candidate = text[start : match.start()].rstrip()
        if candidate.lower().endswith(_ABBREVIATIONS):
            continue
        out.append(text[start : match.end()])
        start = match.end()
    out.append(text[start:])
    return out


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
