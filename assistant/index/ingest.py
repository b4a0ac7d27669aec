"""Incremental, idempotent ingest: digest files -> papers -> chunks -> the index.

Chunk ids carry a hash of what is embedded, so a run compares ids and embeds only new or
changed chunks; unchanged ones are left alone (a no-op run embeds nothing and does not
even load the embedder). What a run will change is decided first, with no write
(`plan.py`: papers that disappeared from a re-ingested file are removed, within the
guards written there), then applied here. Work is written in small batches, each paper's
chunks before its catalog record, so an interrupted run (Ctrl-C, crash) leaves a usable
index and the next run picks up where it stopped.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from assistant.config import Settings
from assistant.digest.loader import DigestLoad
from assistant.digest.model import Paper
from assistant.digest.naming import disambiguate, needs_model_name
from assistant.errors import IndexStateError
from assistant.index.catalog import with_resolved_sources
from assistant.index.chunking import Chunk
from assistant.index.identity import (
    REBUILD_HINT,
    IndexIdentity,
    check_identity,
    chunking_params,
    expected_identity,
    lexical_params,
)
from assistant.index.lexical import LexicalParams, tokenize
from assistant.index.naming import NamingReport, name_papers
from assistant.index.plan import (
    IngestPlan,
    KeptFile,
    PaperWork,
    StoredState,
    papers_to_read,
    plan_ingest,
)
from assistant.index.store import IndexStore, chunk_metadata, paper_filter_fields
from assistant.tokens import TokenCounter

EmbeddingsSource = Embeddings | Callable[[], Embeddings]


@dataclass
class Namer:
    """How unnamed papers get a name at ingest: the chat model (made on first need), the
    prompt, and an optional progress callback (done, total)."""

    chat_model: Callable[[], BaseChatModel]
    template: str
    progress: Callable[[int, int], None] | None = None


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
    error_files: list[str] = field(default_factory=list)  # files that had an error
    naming: NamingReport | None = None  # papers named by the model, when it was asked
    kept: list[KeptFile] = field(default_factory=list)  # papers kept although gone

    @property
    def kept_papers(self) -> int:
        return sum(k.papers for k in self.kept)

    @property
    def changed(self) -> bool:
        return bool(self.chunks_added or self.chunks_deleted or self.papers_updated)


def ingest(
    settings: Settings,
    load: DigestLoad,
    *,
    store: IndexStore,
    embeddings: EmbeddingsSource,
    counter: TokenCounter,
    namer: Namer | None = None,
    rebuild: bool = False,
    prune: bool = False,
    progress: Callable[[IngestProgress], None] | None = None,
    batch_chunks: int = BATCH_CHUNKS,
) -> IngestReport:
    """Bring the index in line with the digest files of `load`.

    `embeddings` is an Embeddings object or a function making one; it is only called when
    something needs embedding. With a `namer`, papers the text does not name are named by
    its chat model (index/naming.py) before they are chunked. Chunks are embedded and
    written `batch_chunks` at a time (the most an interruption loses). With `rebuild`, the
    new index is built beside the old one, which stays in place until the new one is
    complete.
    """
    run = _Run(settings, embeddings, counter, namer, progress, batch_chunks)
    if not rebuild:
        return run.into(store, load, prune)
    staging = store.aside()
    try:
        report = run.into(staging, load, prune=True, names_from=store)
    except BaseException:
        staging.drop()  # nothing half built is left behind; the old index is untouched
        raise
    if staging.exists():
        store.replace_with(staging)
    else:  # the digest gave nothing to index
        store.drop()
    report.rebuilt = True
    return report


@dataclass
class _Run:
    """One ingest run's settings and collaborators."""

    settings: Settings
    embeddings: EmbeddingsSource
    counter: TokenCounter
    namer: Namer | None
    progress: Callable[[IngestProgress], None] | None
    batch_chunks: int

    def into(
        self, store: IndexStore, load: DigestLoad, prune: bool, names_from: IndexStore | None = None
    ) -> IngestReport:
        """Plan against what `store` holds, then apply the plan (names the model gave
        before are reused from `names_from`, by default the same store)."""
        started = time.perf_counter()
        files = {_resolved(f) for f in load.files}
        error_files = {_resolved(i.file) for i in load.issues if i.level == "error"}
        papers = [with_resolved_sources(p) for p in load.papers]
        report = IngestReport(
            files=sorted(files), papers=len(papers), issues=len(load.issues),
            error_files=sorted(error_files),
        )  # fmt: skip
        params = chunking_params(self.settings)
        found = store.identity() if store.exists() else None
        state = StoredState()
        if found is not None:
            check_identity(found, expected_identity(self.settings), store.location)
            embedded, lexical_only = store.chunk_ids_by_kind()
            settled = store.settled_dense_scope() == params.dense
            state = StoredState.of(store.catalog_state(), embedded, lexical_only, settled)
        if self.namer is not None:
            report.naming = self.name(papers, names_from or store)
        needed = papers_to_read(state, papers, files)
        stored = {p.paper_id: p for p in store.papers(needed)} if needed else {}
        plan = plan_ingest(
            papers, files, state, stored, params, self.counter,
            error_files=error_files, prune=prune,
        )  # fmt: skip
        report.chunks, report.kept = plan.chunks, plan.kept
        self.apply(plan, store, found, report)
        report.seconds = time.perf_counter() - started
        return report

    def name(self, papers: list[Paper], store: IndexStore) -> NamingReport:
        """Names for the papers the text does not name, before they are chunked."""
        assert self.namer is not None
        unnamed = [p for p in papers if needs_model_name(p)]
        ids = [p.paper_id for p in unnamed]
        stored = {p.paper_id: p for p in store.papers(ids)} if ids and store.exists() else {}
        report = name_papers(
            unnamed, stored, self.namer.chat_model, self.namer.template, self.namer.progress
        )
        disambiguate(papers)
        return report

    def apply(
        self, plan: IngestPlan, store: IndexStore, found: IndexIdentity | None, report: IngestReport
    ) -> None:
        """Write a plan, batch by batch, each paper's record after its chunks."""
        started = time.perf_counter()
        dense = chunking_params(self.settings).dense
        total = len(plan.papers)
        done = total - len(plan.work)
        self._tell(done, total, 0, plan.to_embed, 0.0)
        if plan.empty:
            if found is not None and store.settled_dense_scope() != dense:
                store.set_identity(found, dense)  # all in place: record that it is settled
            return
        writer = _Writer(
            store, found, expected_identity(self.settings), self.embeddings,
            lexical_params(self.settings), dense,
        )  # fmt: skip
        for batch in _batches(plan.work, self.batch_chunks):
            embed_started = time.perf_counter()
            writer.write(batch)
            report.embed_seconds += time.perf_counter() - embed_started
            report.chunks_embedded += sum(1 for w in batch for c in w.new_chunks if c.embedded)
            report.chunks_added += sum(len(w.new_chunks) for w in batch)
            report.chunks_deleted += sum(len(w.stale_ids) for w in batch)
            report.papers_updated += len(batch)
            done += len(batch)
            elapsed = time.perf_counter() - started
            self._tell(done, total, report.chunks_embedded, plan.to_embed, elapsed)
        if plan.remove or plan.trim:
            writer.begin()
            store.put_papers(plan.trim)
            store.delete_chunks(plan.remove_chunks)
            store.delete_papers(plan.remove)
            report.chunks_deleted += len(plan.remove_chunks)
            report.papers_removed = len(plan.remove)
        writer.finish()

    def _tell(self, done: int, total: int, embedded: int, to_embed: int, seconds: float) -> None:
        if self.progress:
            self.progress(IngestProgress(done, total, embedded, to_embed, seconds))


def _resolved(file: str) -> str:
    return str(Path(file).expanduser().resolve())


def _batches(work: list[PaperWork], limit: int) -> Iterable[list[PaperWork]]:
    batch: list[PaperWork] = []
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
        store: IndexStore,
        found: IndexIdentity | None,
        expected: IndexIdentity,
        embeddings: EmbeddingsSource,
        lexical: LexicalParams,
        dense_scope: str,
    ) -> None:
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
            source = self._source
            self._embeddings = source if isinstance(source, Embeddings) else source()
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

    def write(self, batch: list[PaperWork]) -> None:
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

    def _refresh_filters(self, items: list[PaperWork]) -> None:
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


__all__ = ["IngestProgress", "IngestReport", "ingest"]
