"""What becomes of a model reply: the checked answer, or the abstention, and why.

Pure: given the reply, the sources and the question, no model call. The streaming loop
(chain.py) gets the reply; this decides what the reader sees.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.answer.citations import CheckedAnswer, check_citations, only_invented_numbers
from assistant.answer.context import asks_for_a_figure, asks_for_numbers
from assistant.answer.decline import model_declined
from assistant.answer.grounding import names_missing_from
from assistant.answer.restating import asks_for_a_paper, restates
from assistant.answer.result import Flag, Source
from assistant.answer.support import SupportFn, entry_text, mentions
from assistant.text.concepts import UNITS, concepts_in
from assistant.text.markers import strip_markers
from assistant.text.numbers import is_stated, numbers
from assistant.text.sentences import split_sentences

# Said after a partial answer: what the digest gives is shown, the rest it does not give.
PARTIAL_NOTE = {
    "en": "The digest does not give the other figures asked for.",
    "zh": "摘要库没有给出所问的其他数字。",
}
# Said when a figure was asked and the answer, all checked, states none.
NO_FIGURE_NOTE = {
    "en": "The digest does not give the figure asked for.",
    "zh": "摘要库没有给出所问的数字。",
}
# A share or a factor ("0.5%" less memory, "3.5x" faster): a figure of any quantity.
_RATIO = re.compile(r"\s*(?:%|x\b|×|倍|percent)", re.I)


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
    asked_as: str | None = None,
) -> Decision:
    """Abstain when the model declined, when no sentence is backed by a source, when the
    answer only restates the question, when the question names a benchmark or model none of
    the cited papers names, when its own numbers are all made up, or when a
    second look still had doubtful claims; else the checked answer (with a note when the
    asked figure is missing or claims were dropped for their numbers).
    `asked_as`: the question as the user wrote it, for the restatement checks."""
    if model_declined(raw):
        return Decision(True, flags=[Flag("model_declined", raw.strip()[:120])])
    checked = check_citations(
        raw, sources, language, support=support, min_support=min_support, question=question,
        asked_as=asked_as, attribute=True, strict=True,
    )  # fmt: skip
    flags = list(checked.flags)
    if checked.supported_sentences == 0:
        if checked.dropped_claims:
            reason = "every claim had a number no source states about it"
        elif any(f.kind == "restates_question" for f in flags):
            reason = "the answer only restates the question"
        else:
            reason = "no sentence is backed by a source"
        return Decision(True, checked, [*flags, Flag("no_supported_sentence", reason)])
    if asked_as and _only_restates(checked.text, question, asked_as, sources):
        flag = Flag("only_restates", "every sentence restates the question")
        return Decision(True, checked, [*flags, flag])
    asked_names = names_missing_from(
        asked_as or question, [entry_text(c.paper) for c in checked.citations]
    )
    if checked.citations and asked_names:
        # "SmolLM2 支持多长的上下文窗口？" answered from papers that never name SmolLM2: the
        # answer is about something else.
        flag = Flag("asked_name_absent", ", ".join(asked_names))
        return Decision(True, checked, [*flags, flag])
    if only_invented_numbers(raw, question, sources) and asks_for_numbers(question):
        # A figure was asked and none of the answer's is sourced. (When none was asked, the
        # sentences holding made-up figures are dropped and the rest stands.)
        flag = Flag("only_invented_numbers", "no number of the answer is sourced")
        return Decision(True, checked, [*flags, flag])
    doubtful = {"unsupported_sentence", "ungrounded_number"} & {f.kind for f in flags}
    if second_look and doubtful:
        flag = Flag("second_look_rejected", ", ".join(sorted(doubtful)))
        return Decision(True, checked, [*flags, flag])
    note = None
    if asks_for_numbers(question):
        if asks_for_a_figure(question) and not _gives_a_figure(checked.text, question):
            # "How many GPU hours?" answered with the paper's budget in dollars only.
            note = NO_FIGURE_NOTE[language]
            flags.append(Flag("asked_figure_missing", "the answer states no figure"))
        elif checked.dropped_claims:
            note = PARTIAL_NOTE[language]
    if note:
        separator = "" if language == "zh" else " "
        checked.text = f"{checked.text}{separator}{note}"
    return Decision(False, checked, flags, partial=note is not None)


def _only_restates(answer: str, question: str, asked_as: str, sources: Sequence[Source]) -> bool:
    """True when every sentence of the answer restates a question that asks for something
    else than a paper (restating.py); a question naming its paper had those sentences
    dropped already."""
    if asks_for_a_paper(question) or any(mentions(question, s.paper) for s in sources):
        return False
    papers = [s.paper for s in sources]
    sentences = [strip_markers(s) for s in split_sentences(answer)]
    return bool(sentences) and all(restates(s, asked_as, papers) for s in sentences)


def _gives_a_figure(answer: str, question: str) -> bool:
    """True when the answer states a number the question did not give, and speaks of the
    quantity the question asks for ("GPU 小时" asked, only a budget in dollars given: no)."""
    given = numbers(question)
    text = strip_markers(answer)
    new = [n for n in numbers(text) if not is_stated(n, given)]
    if not new:
        return False
    if any(_RATIO.search(n.written) or _RATIO.match(text[n.end :]) for n in new):
        return True
    asked = concepts_in(question) & UNITS
    return not asked or bool(asked & concepts_in(text))
