"""What becomes of a model reply: the checked answer, or the abstention, and why.

Pure: given the reply, the sources and the question, no model call. The streaming loop
(chain.py) gets the reply; this decides what the reader sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.answer.citations import CheckedAnswer, check_citations, only_invented_numbers
from assistant.answer.context import asks_for_numbers
from assistant.answer.decline import model_declined
from assistant.answer.result import Flag, Source
from assistant.answer.support import SupportFn

# Said after a partial answer: what the digest gives is shown, the rest it does not give.
PARTIAL_NOTE = {
    "en": "The digest does not give the other figures asked for.",
    "zh": "摘要库没有给出所问的其他数字。",
}


@dataclass
class Decision:
    abstain: bool
    checked: CheckedAnswer | None = None
    flags: list[Flag] = field(default_factory=list)
    partial: bool = False  # some claims were dropped for numbers no source states


def decide(
    raw: str,
    sources: Sequence[Source],
    question: str,
    language: str,
    *,
    support: SupportFn,
    min_support: float,
    second_look: bool = False,
) -> Decision:
    """Abstain when the model declined, when no sentence is backed by a source, when the
    answer's own numbers are all made up, or when a second look still had doubtful claims;
    else the checked answer (with a note when claims were dropped for their numbers)."""
    if model_declined(raw):
        return Decision(True, flags=[Flag("model_declined", raw.strip()[:120])])
    checked = check_citations(
        raw, sources, language, support=support, min_support=min_support, question=question
    )
    flags = list(checked.flags)
    if checked.supported_sentences == 0:
        reason = (
            "every claim had a number no source states about it"
            if checked.dropped_claims
            else "no sentence is backed by a source"
        )
        return Decision(True, checked, [*flags, Flag("no_supported_sentence", reason)])
    if only_invented_numbers(raw, question, sources) and asks_for_numbers(question):
        # A figure was asked and none of the answer's is sourced. (When none was asked, the
        # sentences holding made-up figures are dropped and the rest stands.)
        flag = Flag("only_invented_numbers", "no number of the answer is sourced")
        return Decision(True, checked, [*flags, flag])
    doubtful = {"unsupported_sentence", "ungrounded_number"} & {f.kind for f in flags}
    if second_look and doubtful:
        flag = Flag("second_look_rejected", ", ".join(sorted(doubtful)))
        return Decision(True, checked, [*flags, flag])
    partial = checked.dropped_claims > 0 and asks_for_numbers(question)
    if partial:
        separator = "" if language == "zh" else " "
        checked.text = f"{checked.text}{separator}{PARTIAL_NOTE[language]}"
    return Decision(False, checked, flags, partial)
