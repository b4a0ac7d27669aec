"""List answers ("哪些论文研究了 X？", "Which papers study X?"), composed by code.

    retrieve wide -> the topic's key terms (retrieval/topic.py) -> is the topic in the
    digest at all, and which papers are about it (retrieval/relevance.py TopicCut, ranked
    without the words only the topic's examples use; papers retrieval missed come in by
    their key terms; optionally the facet check, retrieval/facets.py) -> one line per
    paper: its name and
    citation by code, and one sentence on what it does for the topic (notes.py: the
    paper's own sentence in the reader's language, else the model's, checked) -> lines
    streamed as each is written

No sentence of a list answer comes from anywhere but the paper it cites.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from assistant.answer.notes import NoteWriter
from assistant.answer.result import AnswerEvent, AnswerResult, Citation, Flag
from assistant.config import Settings
from assistant.retrieval.facets import split_examples, topic_facets
from assistant.retrieval.hits import PaperHit
from assistant.retrieval.relevance import TopicCut, keep_on_every_facet
from assistant.retrieval.topic import TopicTerms
from assistant.seams import PaperSearch

OPENING = {
    "en": "The digest has {n} paper(s) on this:",
    "zh": "摘要库中有 {n} 篇相关论文：",
}


# Said after the abstention when words of the topic occur nowhere in the digest.
ABSENT = {
    "en": "No paper in the digest mentions: {terms}.",
    "zh": "摘要库中没有论文提到：{terms}。",
}


@dataclass
class ListedPapers:
    pool: list[PaperHit]  # what retrieval found, best first
    listed: list[PaperHit]  # the papers to name, in order
    absent: list[str]  # key terms of the topic no paper contains (when nothing is listed)


def _no_filter(filters: Any) -> bool:
    is_empty = getattr(filters, "is_empty", None)
    return bool(is_empty()) if callable(is_empty) else not filters


def _beside_examples(topic: str, terms: TopicTerms) -> TopicTerms:
    """The topic's terms without the words only its examples or definition use: in "…
    speculative decoding, where a small draft model proposes tokens that a larger model
    verifies", the two papers that say "verifies" are no closer to the topic than the
    others, though the word is rarer than "speculative"."""
    head, examples = (part.lower() for part in split_examples(topic))
    return terms.without({t.term for t in terms.terms if t.term in examples and t.term not in head})


def list_line(number: int, name: str, note: str, language: str) -> str:
    """One line of a list answer: the name and citation by code, then the note."""
    colon = "：" if language == "zh" else ": "
    return f"- {name} [{number}]{colon}{note}"


class ListAnswers:
    """Answers list questions from the papers clearly about the topic."""

    def __init__(self, settings: Settings, retriever: PaperSearch, notes: NoteWriter) -> None:
        self.settings = settings
        self.retriever = retriever
        self.notes = notes

    def cut(self) -> TopicCut:
        cfg = self.settings.answer
        return TopicCut(
            rare_share=cfg.list_rare_share,
            key_weight=cfg.list_key_weight,
            relative=cfg.list_relative_score,
            min_key_coverage=cfg.list_min_key_coverage,
            min_coverage=cfg.list_min_coverage,
            min_similarity=cfg.list_min_similarity,
            sure_similarity=cfg.list_sure_similarity,
            limit=cfg.list_papers,
            outside_coverage=cfg.list_outside_coverage,
        )

    def papers(self, topic: str, filters: Any = None) -> ListedPapers:
        """The papers retrieved for the topic and those to list (none when the digest does
        not have the topic). Papers outside the retrieved pool are found by the topic's key
        terms, except under a filter (the pool already holds only papers that pass it)."""
        cfg = self.settings.answer
        pool = self.retriever.search(topic, k=cfg.list_pool, filters=filters)
        terms = self.retriever.topic_terms(topic)
        if filters is not None and not _no_filter(filters):
            terms = terms.within({h.paper.paper_id for h in pool})
        cut = self.cut()
        if not pool or not cut.covered(pool, terms):
            return ListedPapers(pool, [], terms.rare(cfg.list_rare_share).absent())
        by_id = {h.paper.paper_id: h for h in pool}
        chosen = self.on_every_facet(topic, cut.rank(pool, _beside_examples(topic, terms)), terms)
        extra = self.retriever.hits_for([pid for pid in chosen if pid not in by_id], topic)
        by_id.update({h.paper.paper_id: h for h in extra})
        return ListedPapers(pool, [by_id[pid] for pid in chosen if pid in by_id], [])

    def on_every_facet(self, topic: str, chosen: list[str], terms: TopicTerms) -> list[str]:
        """The chosen papers close enough to each part of a topic in parts ("用强化学习来训练
        扩散语言模型": RL, and dLLMs); a part holding a rare name papers have ("WebShop")
        is left to the key terms."""
        share = self.settings.answer.list_facet_share
        facets = topic_facets(topic) if share > 0 else []
        if not facets:
            return chosen  # off (the default), or a topic in one piece
        names = [t.term for t in terms.named().terms]
        facets = [f for f in facets if not any(name in f.lower() for name in names)]
        closeness = [self.retriever.paper_similarities(f, chosen) for f in facets]
        return keep_on_every_facet(chosen, closeness, share)

    def stream(
        self,
        result: AnswerResult,
        topic: str,
        *,
        filters: Any,
        started: float,
        abstain: Callable[[AnswerResult, float], AnswerResult],
    ) -> Iterator[AnswerEvent]:
        """Lines as each paper's note is written, then the result."""
        lang = result.language
        timings = result.timings
        t0 = time.perf_counter()
        found = self.papers(topic, filters)
        kept = found.listed
        timings["retrieval_s"] = time.perf_counter() - t0
        # What the list step ranked: the listed papers first, then the rest of the pool.
        listed_ids = {hit.paper.paper_id for hit in kept}
        ranked = kept + [hit for hit in found.pool if hit.paper.paper_id not in listed_ids]
        result.retrieved = ranked[: max(self.settings.answer.retrieve_papers, len(kept))]
        if not kept:
            result.flags.append(Flag("weak_retrieval", "no paper is clearly about the topic"))
            result = abstain(result, started)
            if found.absent:
                result.answer += " " + ABSENT[lang].format(terms=", ".join(found.absent))
            yield AnswerEvent("result", result=result)
            return
        yield AnswerEvent("status", "listing")
        lines = [OPENING[lang].format(n=len(kept))]
        yield AnswerEvent("token", lines[0] + "\n")
        timings["ttft_s"] = time.perf_counter() - started
        prefer_own = self.settings.answer.list_notes == "own-words"
        for number, hit in enumerate(kept, start=1):
            note = self.notes.note(topic, hit, lang, prefer_own=prefer_own)
            result.flags.extend(note.flags)
            line = list_line(number, hit.paper.display_name, note.text, lang)
            lines.append(line)
            result.citations.append(Citation(number, hit.paper, note.text))
            yield AnswerEvent("token", line + "\n")
        result.answer = "\n".join(lines)
        timings["total_s"] = time.perf_counter() - started
        yield AnswerEvent("result", result=result)
