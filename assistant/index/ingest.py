"""Incremental, idempotent ingest: digest files -> papers -> chunks -> the index.

Chunk ids carry a hash of what is embedded, so a run compares ids and embeds only new or
changed chunks; unchanged ones are left alone (a no-op run embeds nothing and does not
even load the embedder). Papers that disappeared from a re-ingested file are removed.
Work is written in small batches, each paper's chunks before its catalog record, so an
interrupted run (Ctrl-C, crash) leaves a usable index and the next run picks up where it
stopped.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.digest import load_digests
from assistant.digest.loader import DigestLoad
from assistant.digest.model import Paper
from assistant.errors import IndexStateError
from assistant.index.catalog import paper_record, record_hash, with_resolved_sources
from assistant.index.chunking import Chunk, ChunkingParams, chunk_paper
from assistant.index.identity import (
    REBUILD_HINT,
    SCHEMA_VERSION,
    IndexIdentity,
    check_identity,
    embedder_identity,
)
from assistant.index.lexical import LexicalParams, tokenize
from assistant.index.store import ChunkRef, IndexStore, chunk_metadata, paper_filter_fields

EmbeddingsSource = Embeddings | Callable[[], Embeddings]
BATCH_CHUNKS = 128  # chunks embedded and written together: the unit of progress and of resume


@dataclass
class IngestProgress:
    """Where a running ingest is; passed to the progress callback after every batch."""

    papers_done: int
    papers_total: int
    chunks_embedded: int
    chunks_to_embed: int
    seconds: float


@dataclass
class IngestReport:
    """What an ingest run did."""

    files: list[str] = field(default_factory=list)
    papers: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    chunks_added: int = 0  # embedded or BM25-only
    chunks_deleted: int = 0
    papers_updated: int = 0
    papers_removed: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    rebuilt: bool = False
    issues: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.chunks_added or self.chunks_deleted or self.papers_updated)


def chunking_params(settings: Settings) -> ChunkingParams:
    return ChunkingParams(
        max_tokens=settings.index.chunk_tokens,
        zh_fields_per_chunk=settings.index.zh_fields_per_chunk,
        dense=settings.index.dense_scope,
    )


def lexical_params(settings: Settings) -> LexicalParams:
    return LexicalParams(stem=settings.index.stem_english)


def expected_identity(settings: Settings, dimension: int = 0) -> IndexIdentity:
    """The identity an index built with these settings has (dimension 0: not yet known)."""
    return IndexIdentity(
        schema_version=SCHEMA_VERSION,
        embedder=embedder_identity(settings),
        dimension=dimension,
        chunking=chunking_params(settings).describe(),
        lexical=lexical_params(settings).describe(),
    )


@dataclass
class _PaperWork:
    paper: Paper
    new_chunks: list[Chunk]  # to embed and add
    stale_ids: list[str]  # to delete
    kept_ids: list[str]  # unchanged chunks, whose filter metadata may need refreshing
    moved_ids: list[str]  # now (not) to be embedded: removed, then written to the other side
    record_changed: bool


def ingest(
    settings: Settings,
    paths: Iterable[Path] | None = None,
    *,
    store: IndexStore,
    embeddings: EmbeddingsSource | None = None,
    rebuild: bool = False,
    load: DigestLoad | None = None,
    progress: Callable[[IngestProgress], None] | None = None,
    batch_chunks: int = BATCH_CHUNKS,
) -> IngestReport:
    """Bring the index in line with the digest files at `paths` (default: the settings').

    `embeddings` is an Embeddings object or a function making one; it is only called when
    something needs embedding. Without it, the configured embedder is made. Chunks are
    embedded and written `batch_chunks` at a time (the most an interruption loses).
    """
    started = time.perf_counter()
    load = load or load_digests(list(paths) if paths else settings.paths.digests)
    files = [str(Path(f).expanduser().resolve()) for f in load.files]
    papers = [with_resolved_sources(p) for p in load.papers]
    report = IngestReport(files=files, papers=len(papers), issues=len(load.issues))
    from assistant.llm import make_token_counter

    counter = make_token_counter(settings)
    params, lexical = chunking_params(settings), lexical_params(settings)
    expected = expected_identity(settings)

    if rebuild:
        store.drop()
        report.rebuilt = True
    found = store.identity() if store.exists() else None
    if store.exists():
        check_identity(found, expected, store.location)

    existing_by_paper: dict[str, set[str]] = {}
    embedded_ids: set[str] = set()
    catalog: dict[str, tuple[str, frozenset[str]]] = {}  # paper id -> (record hash, files)
    if found is not None:
        embedded_ids, lexical_ids = store.chunk_ids_by_kind()
        for chunk_id in embedded_ids | lexical_ids:
            existing_by_paper.setdefault(ChunkRef.of(chunk_id).paper_id, set()).add(chunk_id)
        catalog = store.catalog_state()

    papers = _keep_other_sources(papers, set(files), catalog, store)
    # After a complete ingest in the same dense scope, a paper whose record is unchanged has
    # exactly its chunks in place: skip chunking it (the bulk of a no-op run's time).
    settled = found is not None and store.settled_dense_scope() == params.dense
    work: list[_PaperWork] = []
    for paper in papers:
        record = record_hash(paper_record(paper))
        stored_hash = catalog[paper.paper_id][0] if paper.paper_id in catalog else None
        if settled and stored_hash == record:
            report.chunks += len(existing_by_paper.get(paper.paper_id, ()))
            continue
        chunks = chunk_paper(paper, params, counter)
        report.chunks += len(chunks)
        have = existing_by_paper.get(paper.paper_id, set())
        wanted = {c.chunk_id for c in chunks}
        # A chunk stays when it is there, on the right side (embedded or BM25-only): a
        # change of index.dense_scope moves chunks across without touching the others.
        placed = {
            c.chunk_id
            for c in chunks
            if c.chunk_id in have and c.embedded == (c.chunk_id in embedded_ids)
        }
        changed = stored_hash != record
        item = _PaperWork(
            paper=paper,
            new_chunks=[c for c in chunks if c.chunk_id not in placed],
            stale_ids=sorted(have - wanted),
            kept_ids=sorted(placed),
            moved_ids=sorted((have & wanted) - placed),
            record_changed=changed,
        )
        if item.new_chunks or item.stale_ids or item.record_changed:
            work.append(item)
    removed, trimmed = _vanished(catalog, {p.paper_id for p in papers}, set(files), store)

    to_embed = sum(1 for w in work for c in w.new_chunks if c.embedded)
    done_papers = len(papers) - len(work)
    if progress:
        progress(IngestProgress(done_papers, len(papers), 0, to_embed, 0.0))
    if not work and not removed and not trimmed:
        if found is not None and not settled:  # all in place: record that it is settled
            store.set_identity(found, params.dense)
        report.seconds = time.perf_counter() - started
        return report

    state = _Writer(settings, store, found, expected, embeddings, lexical, params.dense)
    for batch in _batches(work, batch_chunks):
        embed_started = time.perf_counter()
        state.write(batch)
        report.embed_seconds += time.perf_counter() - embed_started
        report.chunks_embedded += sum(1 for w in batch for c in w.new_chunks if c.embedded)
        report.chunks_added += sum(len(w.new_chunks) for w in batch)
        report.chunks_deleted += sum(len(w.stale_ids) for w in batch)
        report.papers_updated += len(batch)
        done_papers += len(batch)
        if progress:
            progress(
                IngestProgress(
                    done_papers,
                    len(papers),
                    report.chunks_embedded,
                    to_embed,
                    time.perf_counter() - started,
                )
            )
    if removed or trimmed:
        state.begin()
        store.put_papers(trimmed)
        stale = [cid for pid in removed for cid in existing_by_paper.get(pid, ())]
        store.delete_chunks(stale)
        store.delete_papers(removed)
        report.chunks_deleted += len(stale)
        report.papers_removed = len(removed)
    state.finish()
    report.seconds = time.perf_counter() - started
    return report


def _keep_other_sources(
    papers: list[Paper],
    files: set[str],
    catalog: dict[str, tuple[str, frozenset[str]]],
    store: IndexStore,
) -> list[Paper]:
    """A paper also read earlier from a file not ingested now keeps that source."""
    elsewhere = [
        p.paper_id for p in papers if p.paper_id in catalog and catalog[p.paper_id][1] - files
    ]
    if not elsewhere:
        return papers
    stored = {p.paper_id: p for p in store.papers(elsewhere)}
    out = []
    for paper in papers:
        old = stored.get(paper.paper_id)
        extra = [s for s in old.sources if s.file not in files] if old else []
        out.append(dataclasses.replace(paper, sources=paper.sources + extra) if extra else paper)
    return out


def _vanished(
    catalog: dict[str, tuple[str, frozenset[str]]],
    present: set[str],
    files: set[str],
    store: IndexStore,
) -> tuple[list[str], list[Paper]]:
    """Papers indexed from the files ingested now that those files no longer contain.

    Returns the ids to remove, and the papers that also came from another file: those
    stay, minus the source that is gone.
    """
    missing = [
        pid for pid, (_, sources) in catalog.items() if pid not in present and sources & files
    ]
    removed: list[str] = []
    trimmed: list[Paper] = []
    for paper in store.papers(missing) if missing else []:
        gone = [s for s in paper.sources if s.file in files]
        if len(gone) == len(paper.sources):
            removed.append(paper.paper_id)
        else:
            trimmed.append(
                dataclasses.replace(paper, sources=[s for s in paper.sources if s not in gone])
            )
    return removed, trimmed


def _batches(work: list[_PaperWork], limit: int) -> Iterable[list[_PaperWork]]:
    batch: list[_PaperWork] = []
    size = 0
    for item in work:
        batch.append(item)
        size += sum(1 for c in item.new_chunks if c.embedded)
        if size >= limit:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class _Writer:
    """Embeds and writes batches; makes the embedder and the collections on first need."""

    def __init__(
        self,
        settings: Settings,
        store: IndexStore,
        found: IndexIdentity | None,
        expected: IndexIdentity,
        embeddings: EmbeddingsSource | None,
        lexical: LexicalParams,
        dense_scope: str,
    ) -> None:
        self.settings = settings
        self.store = store
        self.identity = found
        self.expected = expected
        self._source = embeddings
        self._embeddings: Embeddings | None = None
        self.lexical = lexical
        self.dense_scope = dense_scope
        self._begun = False

    def embeddings(self) -> Embeddings:
        if self._embeddings is None:
            if isinstance(self._source, Embeddings):
                self._embeddings = self._source
            elif self._source is not None:
                self._embeddings = self._source()
            else:
                from assistant.llm import make_embeddings

                self._embeddings = make_embeddings(self.settings)
        return self._embeddings

    def begin(self, dimension: int = 0) -> None:
        """Before the first write: create the index, or stamp a new revision on it."""
        if self._begun:
            return
        if self.identity is None:
            if not dimension:
                return  # nothing to create an index from yet
            self.identity = dataclasses.replace(self.expected, dimension=dimension)
            self.store.create(self.identity)
        else:
            self.store.set_identity(self.identity)
        self._begun = True

    def finish(self) -> None:
        """After the last write: a new revision stamp, so that anything read while the
        ingest was running (a BM25 view, a paper cache) is known to be stale."""
        if self._begun and self.identity is not None:
            self.store.set_identity(self.identity, self.dense_scope)

    def write(self, batch: list[_PaperWork]) -> None:
        chunks = [c for w in batch for c in w.new_chunks if c.embedded]
        lexical_only = [c for w in batch for c in w.new_chunks if not c.embedded]
        # Similar lengths side by side waste less padding inside the embedder's batches.
        chunks.sort(key=lambda c: len(c.embed_text))
        vectors = (
            self.embeddings().embed_documents([c.embed_text for c in chunks]) if chunks else []
        )
        if vectors:
            dimension = len(vectors[0])
            if self.identity is not None and self.identity.dimension not in (0, dimension):
                raise IndexStateError(
                    f"The embedder now gives {dimension}-dimensional vectors, but the index "
                    f"at {self.store.location} holds {self.identity.dimension}-dimensional ones.",
                    hint=REBUILD_HINT,
                )
            self.begin(dimension)
        else:
            self.begin()
        if not self._begun:
            return
        self.store.delete_chunks([cid for w in batch for cid in w.moved_ids])
        papers = {w.paper.paper_id: w.paper for w in batch}

        def metadata(chunk: Chunk) -> dict:
            tokens = tokenize(chunk.lexical_text, self.lexical)
            return chunk_metadata(chunk, papers[chunk.paper_id], tokens)

        self.store.put_chunks(
            [c.chunk_id for c in chunks],
            vectors,
            [c.text for c in chunks],
            [metadata(c) for c in chunks],
        )
        self.store.put_text_chunks(
            [c.chunk_id for c in lexical_only],
            [c.text for c in lexical_only],
            [metadata(c) for c in lexical_only],
        )
        self.store.delete_chunks([cid for w in batch for cid in w.stale_ids])
        self._refresh_filters([w for w in batch if w.record_changed and w.kept_ids])
        self.store.put_papers([w.paper for w in batch])

    def _refresh_filters(self, items: list[_PaperWork]) -> None:
        """Unchanged chunks of a paper whose files changed get the new filter metadata."""
        if not items:
            return
        stored = self.store.chunk_metadatas([cid for w in items for cid in w.kept_ids])
        ids, metas = [], []
        for item in items:
            fields = paper_filter_fields(item.paper)
            for cid in item.kept_ids:
                meta = stored.get(cid)
                if meta is None:
                    continue
                wanted = {k: fields.get(k) for k in ("category", "tags", "source_files")}
                if any(meta.get(k) != v for k, v in wanted.items()):
                    ids.append(cid)
                    metas.append({**meta, **wanted})  # None removes a key in Chroma
        self.store.update_chunk_metadata(ids, metas)


__all__ = [
    "IngestProgress",
    "IngestReport",
    "chunking_params",
    "expected_identity",
    "ingest",
    "lexical_params",
]
