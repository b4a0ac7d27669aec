"""Numbers written in a text, and whether a source states the same quantity.

"84.6%" in an answer matches "84.6\\%" in a source; "2.788M" matches "278.8 万"; a
number counts as the same quantity by its plain value or by its value with the unit scale
(万, 亿, million, k, …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(
    # Not inside a name ("GPT4", "s1", "v2.5"), but right after a Chinese character ("是8%").
    r"(?<![A-Za-z0-9_.])(\d+(?:[.,]\d+)*)\s*(%|％|倍|x|×|亿|万|千|百万|billion|million|thousand|[kKmMbB](?![a-zA-Z]))?"
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


@dataclass(frozen=True)
class Number:
    """A number as written, its plain value, and its value with the unit's scale."""

    written: str
    value: float | None
    scaled: float | None
    start: int = 0
    end: int = 0


def numbers(text: str) -> list[Number]:
    """Every number written in the text, in order."""
    found = []
    for match in _NUMBER.finditer(text):
        literal, unit = match.group(1), (match.group(2) or "")
        try:
            value: float | None = float(literal.replace(",", ""))
        except ValueError:
            value = None
        scale = _SCALE.get(unit.lower())
        scaled = value * scale if value is not None and scale else value
        found.append(Number(match.group(0).strip(), value, scaled, match.start(), match.end()))
    return found


def same_quantity(a: Number, b: Number) -> bool:
    """True when two numbers state the same quantity (as written, or with their scales)."""
    if a.value is not None and b.value is not None and abs(a.value - b.value) < 1e-9:
        return True
    return (
        a.scaled is not None
        and b.scaled is not None
        and abs(a.scaled - b.scaled) <= 1e-6 * abs(b.scaled or 1)
    )


def is_stated(number: Number, source_numbers: list[Number]) -> bool:
    """True when the number appears among the source's numbers."""
    return any(same_quantity(number, other) for other in source_numbers)


def unstated(text: str, source_text: str) -> list[Number]:
    """The numbers of `text` that `source_text` does not state."""
    source_numbers = numbers(source_text)
    return [n for n in numbers(text) if not is_stated(n, source_numbers)]
