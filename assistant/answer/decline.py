"""Recognising when the model itself says the sources do not hold the answer."""

from __future__ import annotations

import re

from assistant.answer.result import ABSTAIN_PHRASES
from assistant.text.concepts import VALUES, concepts_in

_DECLINE = re.compile(
    r"资料中没有|资料中未|没有找到|未找到|无法回答|无法从|没有提到|未提及|没有提供|未提供|没有相关|"
    r"does not contain|do not contain|doesn't contain|don't contain|not (?:mentioned|provided|"
    r"stated|specified|included)|no information|cannot (?:be )?answer|can't answer|"
    r"unable to answer|not enough information|insufficient information|does not (?:mention|"
    r"provide|say|state|specify)|do not (?:mention|provide|say|state|specify)",
    re.I,
)


# "The learning rate was [1] and the batch size was [1]": a marker where the value goes.
_VALUE_SLOT = re.compile(r"([^.。!?！？\n]{0,80}?)(?:\b(?:is|was|are|were)|是|为)\s*\[\d+\]")
_PAPER_SUBJECT = re.compile(
    r"\b(?:paper|work|study|method|approach|framework|system)\b|论文|工作|方法|框架", re.I
)


def puts_a_marker_for_a_value(text: str) -> bool:
    """True when the answer writes a source marker where a value belongs, as a small model
    does when the sources lack it."""
    for match in _VALUE_SLOT.finditer(text):
        subject = match.group(1).strip()
        # The head of the subject: its first words in English ("The learning rate used …"),
        # its last characters in Chinese ("… 上的准确率").
        chinese = bool(re.search(r"[\u4e00-\u9fff]$", subject))
        head = subject[-6:] if chinese else " ".join(subject.split()[:4])
        if concepts_in(head) & VALUES and not _PAPER_SUBJECT.search(head):
            return True
    return False


def model_declined(text: str) -> bool:
    """True when the answer is (mostly) the model saying the sources lack the answer."""
    stripped = text.strip()
    if not stripped:
        return True
    if any(phrase[:12] in stripped for phrase in ABSTAIN_PHRASES.values()):
        return True
    if puts_a_marker_for_a_value(stripped):
        return True
    # An English full stop ends a sentence only before a space ("2.42B" does not).
    first = re.split(r"(?<=[。！？])\s*|(?<=[.!?])\s+", stripped, maxsplit=1)[0]
    return bool(_DECLINE.search(first))
