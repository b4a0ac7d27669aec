"""An answer back from its JSON: a stored turn, or a result sent by a running server.

A result is kept as `AnswerResult.to_dict()` plus the full records of the papers it shows
(`papers_of`): the cited ones, and the related ones when it abstained. Reading it back
gives an AnswerResult that the present/ functions render exactly as before (links, cards),
and whose to_dict() is the dict it came from. Papers only referred to (retrieved, read as
context) come back with the fields of their reference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.answer.result import AnswerResult, Citation, Flag, Source
from assistant.digest import Paper
from assistant.index.catalog import paper_from_record
from assistant.retrieval import PaperHit


@dataclass
class RestoredHit(PaperHit):
    """A search hit read back from JSON: it keeps the snippet it was sent with."""

    stored_snippet: str = ""

    @property
    def snippet(self) -> str:
        return self.stored_snippet


def papers_of(result: AnswerResult) -> dict[str, dict[str, Any]]:
    """The full records of the papers an answer shows, by id."""
    shown = [c.paper for c in result.citations] + list(result.related)
    return {paper.paper_id: paper.to_dict() for paper in shown}


def paper_from_dict(data: Mapping[str, Any]) -> Paper:
    """A Paper from its to_dict() (derived keys ignored)."""
    return paper_from_record(json.dumps(dict(data), ensure_ascii=False))


def paper_from_ref(ref: Mapping[str, Any]) -> Paper:
    """A Paper from a reference (paper_id, url, title, text_start; a citation's extra
    link_kind, search_url and name_is_derived when present)."""
    url = ref.get("url")
    kind = ref.get("link_kind") or (("arxiv" if "arxiv.org/" in url else "other") if url else None)
    return Paper(
        paper_id=str(ref["paper_id"]),
        display_name=str(ref.get("title") or ref["paper_id"]),
        name_source="text" if ref.get("name_is_derived") else "title",
        link=url,
        link_kind=kind,
        search_url=ref.get("search_url"),
        abstract=ref.get("text_start") or None,
    )


def hit_from_dict(data: Mapping[str, Any], paper: Paper | None = None) -> RestoredHit:
    """A search hit from `hit_json` output (optionally with the full paper record)."""
    return RestoredHit(
        paper=paper or paper_from_ref(data),
        score=float(data.get("score", 0.0)),
        dense_similarity=float(data.get("dense_similarity", 0.0)),
        lexical_score=float(data.get("lexical_score", 0.0)),
        stored_snippet=str(data.get("snippet", "")),
    )


def result_from_dict(
    data: Mapping[str, Any], papers: Mapping[str, Mapping[str, Any]] | None = None
) -> AnswerResult:
    """The AnswerResult that `data` (its to_dict()) came from, papers from `papers`."""
    known = {pid: paper_from_dict(record) for pid, record in (papers or {}).items()}

    def paper(ref: Mapping[str, Any]) -> Paper:
        return known.get(str(ref["paper_id"])) or paper_from_ref(ref)

    retrieved = [hit_from_dict(hit, paper(hit)) for hit in data.get("retrieved", [])]
    by_id = {hit.paper.paper_id: hit.paper for hit in retrieved}
    citations = [
        Citation(int(c["number"]), paper(c), c.get("snippet", "")) for c in data["citations"]
    ]
    by_id.update({c.paper.paper_id: c.paper for c in citations})
    sources = [
        Source(
            int(s["key"]),
            by_id.get(s["paper_id"]) or paper_from_ref({"paper_id": s["paper_id"]}),
            s["text"],
        )
        for s in data.get("context", [])
    ]
    return AnswerResult(
        question=data["question"],
        standalone_question=data.get("standalone_question", data["question"]),
        language=data.get("language", "en"),
        answer=data.get("answer", ""),
        kind=data.get("kind", "single"),
        citations=citations,
        retrieved=retrieved,
        removed_citations=int(data.get("removed_citations", 0)),
        removed_urls=int(data.get("removed_urls", 0)),
        flags=[Flag(f["kind"], f.get("detail", "")) for f in data.get("flags", [])],
        abstained=bool(data.get("abstained", False)),
        partial=bool(data.get("partial", False)),
        raw_answer=data.get("raw_answer", ""),
        sources=sources,
        timings=dict(data.get("timings", {})),
        table=[list(row) for row in data.get("table", [])],
        unknown_names=list(data.get("unknown_names", [])),
    )
