""" "Is there a paper on weather forecasting with foundation models?": when a word of what
the question describes occurs in no paper of the digest, the nearest papers are about
something else (a finance forecaster, a remote-sensing model), and the answer is that the
digest has no such paper, said before any model call.

Only for English questions that name no paper: every paper of the digest but the few
summarised only in Chinese has English text, while Chinese word splitting makes too many
"words" no paper has ("做下", "文生"). And only when the papers the answer would be
written from (its sources) all have English text of their own: an English word is no
evidence against a paper written only in Chinese, which the question may describe in
other words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.support import mentions
from assistant.digest.model import Paper
from assistant.retrieval.hits import PaperHit
from assistant.seams import PaperSearch


def missing_topic_words(
    question: str,
    language: str,
    hits: Sequence[PaperHit],
    sources: Sequence[Paper],
    search: PaperSearch,
) -> list[str]:
    """The words of the question's topic no paper of the digest contains (empty: none, or
    the check does not apply). `sources`: the papers the answer would be written from; any
    of them written only in Chinese may be the one the question describes in other words."""
    if language != "en" or not hits or not sources:
        return []
    if any(mentions(question, hit.paper) for hit in hits):
        return []
    if not all(paper.abstract for paper in sources):
        return []
    # A token glued from a hyphenated phrase ("math-and-code" -> "mathandcode") is no word
    # of the question's: only words written as they stand count.
    written = set(re.findall(r"[a-z0-9]+", question.lower()))
    return [term for term in search.topic_terms(question).absent() if term in written]
