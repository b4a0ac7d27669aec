"""Which retrieved papers are clearly about the query.

RelevanceCut (topic summaries): a paper is kept when it has evidence of its own (dense
similarity or a BM25 score above an absolute floor: a query nothing in the digest matches
keeps nothing) and its fused score is close enough to the best such paper's. The fused
score carries both signals, so a rare term that only BM25 sees (an English benchmark name
inside a Chinese field) keeps its paper.

TopicCut (list answers) adds the topic's terms: rare ones find papers outside the
retrieved pool, and terms no paper contains tell a topic the digest lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.retrieval.hits import PaperHit
from assistant.retrieval.topic import TopicTerms


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


@dataclass(frozen=True)
class TopicCut:
    """Which papers a list answer names: retrieval evidence and the topic's terms
    (retrieval/topic.py) together, measured on the dev set's list questions.

    The topic counts as present in the digest when the question names a rare thing that
    papers name too ("GenEval"), when a paper has enough of its key (rare) terms or nearly
    all of its terms, or the best dense match is strong (and no key term
    is missing from the whole digest, or it is very strong). Papers are then ranked by
    their retrieval score (a share of the best) plus their key coverage, and kept while
    close to the first; a paper retrieval did not find is listed for its key terms only
    when it has enough of all the topic's terms.
    """

    rare_share: float  # a term in at most this share of the papers is a key term
    key_weight: float  # weight of key coverage beside the relative retrieval score
    relative: float  # share of the best combined score a paper must reach
    min_key_coverage: float  # key coverage that shows the topic is present
    min_coverage: float  # coverage of all the topic's terms that shows it
    min_similarity: float  # dense similarity that shows it, when no key term is missing
    sure_similarity: float  # dense similarity that shows it in any case
    limit: int  # most papers kept
    outside_coverage: float = 0.0  # coverage of all terms a paper outside the pool needs

    def covered(self, pool: Sequence[PaperHit], terms: TopicTerms) -> bool:
        """Whether the digest has the topic at all."""
        best_dense = max((h.dense_similarity for h in pool), default=0.0)
        if best_dense >= self.sure_similarity:
            return True
        keys = terms.rare(self.rare_share)
        if keys.named():
            return True  # "GenEval", "Mamba": a rare name the question gives, and papers have
        if keys.best_coverage(keys.papers()) >= self.min_key_coverage:
            return True
        if terms.best_coverage(h.paper.paper_id for h in pool) >= self.min_coverage:
            return True
        return best_dense >= self.min_similarity and not keys.absent()

    def rank(self, pool: Sequence[PaperHit], terms: TopicTerms) -> list[str]:
        """The ids of the papers to list, best first: from the pool and, by their key
        terms, from the rest of the digest."""
        keys = terms.rare(self.rare_share)
        best = max((h.score for h in pool), default=0.0) or 1.0
        scores = {h.paper.paper_id: h.score / best for h in pool}
        for pid in sorted(keys.papers()):  # sorted: ties keep one order from run to run
            # Found by a rare word alone, a paper may use it in another sense ("binary"
            # rewards for "binary (1-bit) weights"): it must have more of the topic.
            if pid in scores or terms.coverage(pid) >= self.outside_coverage:
                scores.setdefault(pid, 0.0)
        combined = sorted(
            ((score + self.key_weight * keys.coverage(pid), pid) for pid, score in scores.items()),
            key=lambda pair: -pair[0],
        )
        if not combined or combined[0][0] <= 0:
            return []
        floor = self.relative * combined[0][0]
        return [pid for score, pid in combined if score >= floor][: self.limit]


def keep_on_every_facet(
    chosen: list[str], closeness: list[dict[str, float]], share: float
) -> list[str]:
    """The chosen papers (in order) that are, for every facet of the topic, at least `share`
    as close to it as the closest chosen paper (retrieval/facets.py). `closeness`: per facet,
    each paper's best dense similarity to it. The first paper stays in any case."""
    kept = list(chosen)
    for facet in closeness:
        top = max((facet.get(pid, 0.0) for pid in kept), default=0.0)
        if top > 0:
            kept = [pid for pid in kept if facet.get(pid, 0.0) >= share * top] or kept[:1]
    return kept
