"""What an answer is made of: the numbered sources, citations, flags and the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.digest import Paper

# Fixed phrases for an answer the digest cannot give; tests and evals match on them.
ABSTAIN_PHRASES: dict[str, str] = {
    "en": "The digest does not contain the answer to this question.",
    "zh": "资料中没有找到这个问题的答案。",
}
# The abstention for a question about a paper the digest has, whose entry lacks the answer.
NOT_IN_ENTRY: dict[str, str] = {
    "en": "The digest has {name}, but its entry does not give the answer to this question.",
    "zh": "摘要库收录了 {name}，但它的摘要没有给出这个问题的答案。",
}
RELATED_LABELS: dict[str, str] = {
    "en": "Closest papers in the digest:",
    "zh": "摘要库中最接近的论文：",
}


@dataclass
class Source:
    """One numbered entry of the context: a paper and the text of it the model saw."""

    key: int
    paper: Paper
    text: str
    chunk_ids: list[str] = field(default_factory=list)


@dataclass
class Citation:
    """A paper the final answer cites, numbered as in the answer text."""

    number: int
    paper: Paper
    snippet: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            **self.paper.ref(),
            "link_kind": self.paper.link_kind,
            "search_url": self.paper.search_url,
            "name_is_derived": self.paper.name_is_derived,
            "snippet": self.snippet,
        }


FlagKind = Literal[
    "invented_citation_removed",
    "url_removed",
    "citation_corrected",
    "citation_added",
    "unsupported_sentence",
    "ungrounded_number",
    "language_retry",
    "language_mismatch",
    "model_declined",
    "weak_retrieval",
    "no_supported_sentence",
    "only_invented_numbers",
    "second_look",
    "second_look_rejected",
]


@dataclass
class Flag:
    """Something post-processing found and acted on."""

    kind: FlagKind
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "detail": self.detail}


@dataclass
class AnswerEvent:
    """A step of a streamed answer: status text, a token, a reset before a retry, the result."""

    kind: Literal["status", "token", "reset", "result"]
    text: str = ""
    result: AnswerResult | None = None


@dataclass
class AnswerResult:
    """Everything about one answer; `answer` is the text shown, citations own the links."""

    question: str
    standalone_question: str
    language: str
    answer: str = ""
    kind: str = "single"  # "single", "list" or "compare" (answer/kinds.py)
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Any] = field(default_factory=list)  # PaperHit, in rank order
    removed_citations: int = 0
    removed_urls: int = 0
    flags: list[Flag] = field(default_factory=list)
    abstained: bool = False
    partial: bool = False  # the answer says what the digest gives, and that it lacks the rest
    raw_answer: str = ""
    sources: list[Source] = field(default_factory=list)  # what the model read
    timings: dict[str, float] = field(default_factory=dict)
    # A comparison's table: a header row of paper names, then one row per aspect.
    table: list[list[str]] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)  # compared names not in the digest

    @property
    def related(self) -> list[Paper]:
        """The closest papers, offered when the answer abstains."""
        return [hit.paper for hit in self.retrieved[:3]] if self.abstained else []

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "language": self.language,
            "answer": self.answer,
            "kind": self.kind,
            "papers": [c.paper.ref() for c in self.citations] if self.kind != "single" else [],
            "table": self.table,
            "unknown_names": self.unknown_names,
            "abstained": self.abstained,
            "partial": self.partial,
            "citations": [c.to_dict() for c in self.citations],
            "cited": [c.paper.ref() for c in self.citations],
            "retrieved": [
                {**hit.paper.ref(), "score": round(hit.score, 6), "snippet": hit.snippet}
                for hit in self.retrieved
            ],
            "related": [p.ref() for p in self.related],
            "removed_citations": self.removed_citations,
            "removed_urls": self.removed_urls,
            "flags": [f.to_dict() for f in self.flags],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "raw_answer": self.raw_answer,
            "context": [
                {"key": s.key, "paper_id": s.paper.paper_id, "text": s.text} for s in self.sources
            ],
        }
