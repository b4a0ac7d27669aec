"""What an ingest will do, decided before anything is written: pure, no store, no model.

    stored state + papers read now  ->  IngestPlan
        work      papers whose chunks or record change (new chunks to embed, stale ones)
        remove    papers gone from the files read now
        trim      papers gone from one file but still in another (they lose that source)
        kept      papers that would have gone but are kept, and why

Removal is where bad input costs data, so it is guarded: a file that had an error (it
could not be read, was empty, had an unknown format or encoding) removes nothing, and a
file that would lose more than half of its stored papers keeps them unless `prune` is
asked for: a truncated copy is far more likely than a cull.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.digest.model import Paper
from assistant.index.catalog import paper_record, record_hash
from assistant.index.chunking import Chunk, ChunkingParams, chunk_paper
from assistant.index.store import ChunkRef
from assistant.tokens import TokenCounter

PRUNE_SHARE = 0.5  # a file may lose at most this share of its papers without `prune`


@dataclass(frozen=True)
class StoredState:
    """What the index holds, as far as planning needs it."""

    catalog: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    chunks_by_paper: dict[str, set[str]] = field(default_factory=dict)
    embedded_ids: frozenset[str] = frozenset()
    settled: bool = False  # the last ingest completed, in the current dense scope

    @classmethod
    def of(
        cls,
        catalog: dict[str, tuple[str, frozenset[str]]],
        embedded: Iterable[str],
        lexical: Iterable[str],
        settled: bool,
    ) -> StoredState:
        embedded = frozenset(embedded)
        by_paper: dict[str, set[str]] = {}
        for chunk_id in [*embedded, *lexical]:
            by_paper.setdefault(ChunkRef.of(chunk_id).paper_id, set()).add(chunk_id)
        return cls(catalog, by_paper, embedded, settled)


@dataclass
class PaperWork:
    """One paper's changes: chunks to add, to delete, to keep, to move across."""

    paper: Paper
    new_chunks: list[Chunk]  # to embed (or index for BM25 only) and add
    stale_ids: list[str]  # to delete
    kept_ids: list[str]  # unchanged chunks, whose filter metadata may need refreshing
    moved_ids: list[str]  # now (not) to be embedded: removed, then written to the other side
    record_changed: bool


@dataclass
class KeptFile:
    """Papers of one file that the plan keeps although the file no longer has them."""

    file: str
    papers: int
    reason: str  # "error" (the file had an error) or "prune" (more than half would go)


@dataclass
class IngestPlan:
    papers: list[Paper]
    work: list[PaperWork] = field(default_factory=list)
    chunks: int = 0  # chunks of the papers read now, unchanged ones included
    remove: list[str] = field(default_factory=list)  # paper ids
    remove_chunks: list[str] = field(default_factory=list)  # the chunks of those papers
    trim: list[Paper] = field(default_factory=list)
    kept: list[KeptFile] = field(default_factory=list)

    @property
    def to_embed(self) -> int:
        return sum(1 for w in self.work for c in w.new_chunks if c.embedded)

    @property
    def empty(self) -> bool:
        return not (self.work or self.remove or self.trim)


def papers_to_read(state: StoredState, papers: list[Paper], files: set[str]) -> list[str]:
    """Ids of the stored papers the plan needs: those also read earlier from other files,
    and those indexed from the files read now."""
    present = {p.paper_id for p in papers}
    elsewhere = [pid for pid in present if pid in state.catalog and state.catalog[pid][1] - files]
    gone = [pid for pid, (_, srcs) in state.catalog.items() if pid not in present and srcs & files]
    return sorted({*elsewhere, *gone})


def plan_ingest(
    papers: list[Paper],
    files: set[str],
    state: StoredState,
    stored: dict[str, Paper],
    params: ChunkingParams,
    counter: TokenCounter,
    *,
    error_files: set[str] = frozenset(),  # type: ignore[assignment]
    prune: bool = False,
) -> IngestPlan:
    """The changes that bring the index in line with `papers`, read from `files`.

    `stored` holds the stored records of `papers_to_read(...)`.
    """
    papers = _keep_other_sources(papers, files, state, stored)
    plan = IngestPlan(papers=papers)
    for paper in papers:
        record = record_hash(paper_record(paper))
        stored_hash = state.catalog[paper.paper_id][0] if paper.paper_id in state.catalog else None
        have = state.chunks_by_paper.get(paper.paper_id, set())
        # After a complete ingest in the same dense scope, an unchanged record has exactly
        # its chunks in place: it is not even chunked (the bulk of a no-op run's time).
        if state.settled and stored_hash == record:
            plan.chunks += len(have)
            continue
        chunks = chunk_paper(paper, params, counter)
        plan.chunks += len(chunks)
        wanted = {c.chunk_id for c in chunks}
        # A chunk stays when it is there, on the right side (embedded or BM25-only): a
        # change of index.dense_scope moves chunks across without touching the others.
        placed = {
            c.chunk_id
            for c in chunks
            if c.chunk_id in have and c.embedded == (c.chunk_id in state.embedded_ids)
        }
        item = PaperWork(
            paper=paper,
            new_chunks=[c for c in chunks if c.chunk_id not in placed],
            stale_ids=sorted(have - wanted),
            kept_ids=sorted(placed),
            moved_ids=sorted((have & wanted) - placed),
            record_changed=stored_hash != record,
        )
        if item.new_chunks or item.stale_ids or item.record_changed:
            plan.work.append(item)
    _plan_removals(plan, files, state, stored, error_files, prune)
    return plan


def _keep_other_sources(
    papers: list[Paper], files: set[str], state: StoredState, stored: dict[str, Paper]
) -> list[Paper]:
    """A paper also read earlier from a file not ingested now keeps that source."""
    out = []
    for paper in papers:
        old = stored.get(paper.paper_id)
        extra = [s for s in old.sources if s.file not in files] if old else []
        out.append(dataclasses.replace(paper, sources=paper.sources + extra) if extra else paper)
    return out


def _plan_removals(
    plan: IngestPlan,
    files: set[str],
    state: StoredState,
    stored: dict[str, Paper],
    error_files: set[str],
    prune: bool,
) -> None:
    """Papers indexed from the files read now that those files no longer contain."""
    present = {p.paper_id for p in plan.papers}
    leaving: dict[str, list[str]] = {}  # file -> ids of papers that leave it
    for pid, (_, sources) in state.catalog.items():
        if pid not in present:
            for file in sources & files:
                leaving.setdefault(file, []).append(pid)
    blocked: set[str] = set()  # files whose papers stay
    for file, pids in sorted(leaving.items()):
        if file in error_files:
            plan.kept.append(KeptFile(file, len(pids), "error"))
            blocked.add(file)
            continue
        before = sum(1 for _, srcs in state.catalog.values() if file in srcs)
        if not prune and len(pids) > PRUNE_SHARE * before:
            plan.kept.append(KeptFile(file, len(pids), "prune"))
            blocked.add(file)
    for pid in sorted({pid for pids in leaving.values() for pid in pids}):
        paper = stored.get(pid)
        if paper is None:
            continue
        gone = [s for s in paper.sources if s.file in files and s.file not in blocked]
        if not gone:
            continue
        if len(gone) == len(paper.sources):
            plan.remove.append(pid)
            plan.remove_chunks += sorted(state.chunks_by_paper.get(pid, ()))
        else:
            plan.trim.append(
                dataclasses.replace(paper, sources=[s for s in paper.sources if s not in gone])
            )
