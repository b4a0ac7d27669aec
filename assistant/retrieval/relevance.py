"""Which retrieved papers are clearly about the query: the cut that topic summaries and
list answers share.

A paper is kept when it has evidence of its own (dense similarity or a BM25 score above an
absolute floor: a query nothing in the digest matches keeps nothing) and its fused score is
close enough to the best such paper's. The fused score carries both signals, so a rare term
that only BM25 sees (an English benchmark name inside a Chinese field) keeps its paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.retrieval.hits import PaperHit


@dataclass(frozen=True)
class RelevanceCut:
    relative: float  # share of the best fused score a paper must reach
    min_similarity: float  # dense similarity that counts as evidence on its own
    min_lexical: float  # BM25 score that counts as evidence on its own
    limit: int  # most papers kept

    def has_evidence(self, hit: PaperHit) -> bool:
        return hit.dense_similarity >= self.min_similarity or hit.lexical_score >= self.min_lexical

    def apply(self, hits: Sequence[PaperHit]) -> list[PaperHit]:
        """The relevant hits, in rank order."""
        backed = [h for h in hits if self.has_evidence(h)]
        if not backed:
            return []
        floor = self.relative * max(h.score for h in backed)
        return [h for h in backed if h.score >= floor][: self.limit]
