"""Metric functions over one question's output; each returns None when it does not apply."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from assistant.digest.identity import normalize_ref


def _unique(refs: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for ref in refs:
        ref = normalize_ref(ref)
        if ref not in seen:
            seen.append(ref)
    return seen


def recall_at(retrieved: Sequence[str], gold: Sequence[str], k: int) -> float | None:
    """Share of the gold papers among the first k retrieved (duplicates count once)."""
    wanted = set(_unique(gold))
    if not wanted:
        return None
    return len(wanted & set(_unique(retrieved)[:k])) / len(wanted)


def reciprocal_rank(retrieved: Sequence[str], gold: Sequence[str], k: int = 10) -> float | None:
    """1/rank of the first gold paper within the first k, 0 when none is there."""
    wanted = set(_unique(gold))
    if not wanted:
        return None
    for rank, ref in enumerate(_unique(retrieved)[:k], start=1):
        if ref in wanted:
            return 1.0 / rank
    return 0.0


def citation_counts(
    cited: Sequence[str], gold: Sequence[str], acceptable: Sequence[str] = ()
) -> tuple[int, int]:
    """(citations that point at a gold or acceptable paper, all citations), duplicates
    counted once. A list question's acceptable papers may be named without being wrong."""
    refs = _unique(cited)
    wanted = set(_unique(gold)) | set(_unique(acceptable))
    return sum(1 for ref in refs if ref in wanted), len(refs)


def list_completeness(named: Sequence[str], gold: Sequence[str]) -> float | None:
    """Share of the gold papers a list answer names (cites)."""
    return citation_recall(named, gold)


def list_precision(
    named: Sequence[str], gold: Sequence[str], acceptable: Sequence[str] = ()
) -> float | None:
    """Share of the papers a list answer names that are gold or acceptable."""
    refs = _unique(named)
    if not refs:
        return None
    allowed = set(_unique(gold)) | set(_unique(acceptable))
    return sum(1 for ref in refs if ref in allowed) / len(refs)


def citation_recall(cited: Sequence[str], gold: Sequence[str]) -> float | None:
    wanted = set(_unique(gold))
    if not wanted:
        return None
    return len(wanted & set(_unique(cited))) / len(wanted)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("\\%", "%")
    return re.sub(r"\s+", "", text)


def fact_coverage(answer: str, facts: Sequence[str]) -> float | None:
    """Share of facts found in the answer; a fact 'a|b' is found when any alternative is."""
    if not facts:
        return None
    folded = _fold(answer)
    found = sum(1 for fact in facts if any(_fold(alt) in folded for alt in fact.split("|")))
    return found / len(facts)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    position = (len(data) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (position - low)


def mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


# An empty slot where a paper's name belongs: "found in .", "和 研究了", "The paper  scales".
_EMPTY_SLOT = re.compile(
    r"\b(?:in|by|from|of|and|with|than|see|both|between|including)\s*(?=[.,;:!?)]|$)"
    r"|\S[ \t]{2,}\S"
    r"|(?:^|[.!?]\s+)(?:[Pp]roposes|[Ii]ntroduces|[Pp]resents|[Ss]tudies|[Ss]cales)\b"
    r"|(?:^|[，。；：,.;:])\s*(?:和|与|及|、)(?=\s|[，。；：]|$)"  # not "，与格上…等价"
    r"|(?:和|与|及|、|在)\s*(?:[，。；：]|研究了|提出了|中[，。])|(?:基于|来自)\s+中的"
)


def has_empty_name_slot(answer: str) -> bool:
    """True when an answer has an empty slot where a paper's name belongs."""
    return bool(_EMPTY_SLOT.search(answer))


def names_a_paper(answer: str, names: Sequence[str]) -> bool:
    """True when the answer writes one of the names (a display name, without its twin mark)."""
    folded = answer.casefold()
    return any(name.split(" (", 1)[0].casefold() in folded for name in names if name)
