""" "Is there a paper on weather forecasting with foundation models?": when a word of what
the question describes occurs in no paper of the digest, the nearest papers are about
something else (a finance forecaster, a remote-sensing model), and the answer is that the
digest has no such paper, said before any model call.

Only for English questions that name no paper: every paper of the digest but the few
summarised only in Chinese has English text, while Chinese word splitting makes too many
"words" no paper has ("做下", "文生"). An English word is no evidence against a
paper written only in Chinese, which the question may describe in other words: the check
stands back when such a paper is among the answer's sources and either ranks first or is
close to the question (setting answer.topic_check_similarity). On the dev set an English
question describing a Chinese-only paper matched it with a dense similarity of 0.44 or
more, while the Chinese-only neighbours of questions about absent topics ("weather",
"deepfake") ranked below the first and stayed under 0.38.
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
    close_similarity: float,
) -> list[str]:
    """The words of the question's topic no paper of the digest contains (empty: none, or
    the check does not apply). `sources`: the papers the answer would be written from; one
    of them written only in Chinese may be the one the question describes in other words
    when retrieval ranks it first or its dense similarity reaches `close_similarity`."""
    if language != "en" or not hits or not sources:
        return []
    if any(mentions(question, hit.paper) for hit in hits):
        return []
    sourced = {paper.paper_id for paper in sources}
    if any(
        hit.paper.paper_id in sourced
        and not hit.paper.abstract
        and (rank == 0 or hit.dense_similarity >= close_similarity)
        for rank, hit in enumerate(hits)
    ):
        return []
    # A token glued from a hyphenated phrase ("math-and-code" -> "mathandcode") is no word
    # of the question's: only words written as they stand count.
    written = set(re.findall(r"[a-z0-9]+", question.lower()))
    return [term for term in search.topic_terms(question).absent() if term in written]
