"""Recognising when the model itself says the sources do not hold the answer."""

from __future__ import annotations

import re

from assistant.answer.result import ABSTAIN_PHRASES

_DECLINE = re.compile(
    r"资料中没有|资料中未|没有找到|未找到|无法回答|无法从|没有提到|未提及|没有提供|未提供|没有相关|"
    r"does not contain|do not contain|doesn't contain|don't contain|not (?:mentioned|provided|"
    r"stated|specified|included)|no information|cannot (?:be )?answer|can't answer|"
    r"unable to answer|not enough information|insufficient information|does not (?:mention|"
    r"provide|say|state|specify)|do not (?:mention|provide|say|state|specify)",
    re.I,
)


def model_declined(text: str) -> bool:
    """True when the answer is (mostly) the model saying the sources lack the answer."""
    stripped = text.strip()
    if not stripped:
        return True
    if any(phrase[:12] in stripped for phrase in ABSTAIN_PHRASES.values()):
        return True
    # An English full stop ends a sentence only before a space ("2.42B" does not).
    first = re.split(r"(?<=[。！？])\s*|(?<=[.!?])\s+", stripped, maxsplit=1)[0]
    return bool(_DECLINE.search(first))
