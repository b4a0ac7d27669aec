"""The Chroma side of the index: chunk vectors, the paper catalog and the identity record.

One IndexStore wraps one Chroma client: a PersistentClient on the index folder (taking the
folder lock first), or an HttpClient when `index.chroma_host` is set, with the same code
above it. Three collections: `<name>` holds the embedded chunks (vector, own text, metadata
with the BM25 tokens) and carries the identity and a revision stamp in its metadata;
`<name>-text` holds the chunks indexed for BM25 only (same fields, no real vector);
`<name>-papers` holds one full paper record (compressed JSON, in metadata) per paper.
Embeddings are always passed in; Chroma's own embedding function (which downloads a
model) is never used.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.digest.model import Paper
from assistant.errors import BackendError, IndexStateError
from assistant.index.catalog import (
    pack_record,
    paper_from_record,
    paper_record,
    record_hash,
    source_files,
    unpack_record,
)
from assistant.index.chunking import Chunk
from assistant.index.identity import IndexIdentity
from assistant.index.lock import FolderLock, acquire_folder_lock

PAGE = 2000  # records per get() call when reading a whole collection
REBUILD_SUFFIX = "-rebuild"  # collections of a rebuild under way
OLD_SUFFIX = "-old"  # collections of the index a finished rebuild replaces
_NO_VECTOR = [1.0]  # records looked up by id only (catalog, BM25-only chunks): Chroma wants one


@dataclass(frozen=True)
class ChunkRef:
    """Where a chunk is, read from its id alone (`paper:section:part:hash`)."""

    chunk_id: str
    paper_id: str
    section: str
    part: int

    @classmethod
    def of(cls, chunk_id: str) -> ChunkRef:
        paper_id, section, part, _ = chunk_id.rsplit(":", 3)
        return cls(chunk_id, paper_id, section, int(part))


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the store."""

    chunk_id: str
    paper_id: str
    section: str
    part: int
    language: str
    text: str
    metadata: dict[str, Any]


def chunk_metadata(chunk: Chunk, paper: Paper, lexical_tokens: list[str]) -> dict[str, Any]:
    """What is stored with a chunk: its place, the paper's filters, and its BM25 tokens."""
    meta: dict[str, Any] = {
        "paper_id": chunk.paper_id,
        "section": chunk.section,
        "part": chunk.part,
        "language": chunk.language,
        "context": chunk.context,
        "lex": " ".join(lexical_tokens),
    }
    meta.update(paper_filter_fields(paper))
    return meta


def paper_filter_fields(paper: Paper) -> dict[str, Any]:
    """Metadata that filters match on; Chroma refuses empty lists, so those are left out."""
    meta: dict[str, Any] = {}
    if paper.category:
        meta["category"] = paper.category
    if paper.tags:
        meta["tags"] = list(paper.tags)
    files = source_files(paper)
    if files:
        meta["source_files"] = files
    return meta


class IndexStore:
    """Chunks, catalog and identity in Chroma; thread-safe for readers within one process."""

    def __init__(
        self,
        client: Any,
        name: str,
        location: str,
        lock: FolderLock | None,
        lexical_cache: Path | None = None,
        ef_search: int = 400,
    ) -> None:
        self._client = client
        self.ef_search = ef_search
        self.lexical_cache = lexical_cache  # where the BM25 view may be saved (local mode)
        self.name = name
        self.catalog_name = f"{name}-papers"
        self.text_name = f"{name}-text"
        self.location = location
        self._lock = lock
        self._chunks: Any = None
        self._texts: Any = None
        self._catalog: Any = None

    # --- opening and closing -------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings) -> IndexStore:
        """The configured store: the local folder (locked), or the Chroma server."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        host, port = settings.index.chroma_host, settings.index.chroma_port
        if host:
            location = f"http://{host}:{port}"
            try:
                client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
                client.heartbeat()
            except Exception as exc:
                raise BackendError(
                    f"Cannot reach the Chroma server at {location} ({type(exc).__name__}: "
                    f"{str(exc)[:200]}).",
                    hint=(
                        "Start it with `chroma run --path vectorstore --host 127.0.0.1 "
                        f"--port {port}`, or unset index.chroma_host to use the local folder."
                    ),
                ) from None
            return cls(
                client, settings.index.collection, location, None,
                ef_search=settings.index.ef_search,
            )  # fmt: skip
        folder = settings.paths.vectorstore.expanduser().resolve()
        lock = acquire_folder_lock(folder)
        try:
            client = chromadb.PersistentClient(path=str(folder), settings=chroma_settings)
        except Exception as exc:
            lock.release()
            raise IndexStateError(
                f"Cannot open the index folder {folder} ({type(exc).__name__}: {exc}).",
                hint="Check its permissions, or rebuild it with `assistant ingest --rebuild`.",
            ) from None
        cache = folder / f"lexical-{settings.index.collection}"
        return cls(
            client, settings.index.collection, str(folder), lock, cache,
            ef_search=settings.index.ef_search,
        )  # fmt: skip

    def close(self) -> None:
        """Release the folder lock (local mode); the store must not be used afterwards."""
        self._chunks = self._texts = self._catalog = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- collections and identity ---------------------------------------------------------

    def _get(self, name: str) -> Any:
        from chromadb.errors import NotFoundError

        try:
            return self._client.get_collection(name, embedding_function=None)
        except NotFoundError:
            return None
        except ValueError as exc:  # older Chroma raised ValueError for a missing collection
            if "does not exist" in str(exc):
                return None
            raise

    def exists(self) -> bool:
        return self._get(self.name) is not None

    def metadata(self) -> dict[str, Any]:
        """The chunk collection's metadata, read fresh (another process may have changed it)."""
        collection = self._get(self.name)
        return dict(collection.metadata or {}) if collection is not None else {}

    def identity(self) -> IndexIdentity | None:
        return IndexIdentity.from_metadata(self.metadata())

    def revision(self) -> str | None:
        """A stamp that changes whenever the index content starts to change."""
        return self.metadata().get("revision")

    def create(self, identity: IndexIdentity) -> None:
        """Make both collections if missing, recording `identity` on a new index."""
        config = {"hnsw": {"space": "cosine", "ef_search": self.ef_search}}
        self._chunks = self._client.get_or_create_collection(
            self.name,
            embedding_function=None,
            configuration=config,
            metadata={**identity.to_metadata(), "revision": uuid.uuid4().hex},
        )
        self._texts = self._client.get_or_create_collection(
            self.text_name, embedding_function=None, metadata={"role": "BM25-only chunks"}
        )
        self._catalog = self._client.get_or_create_collection(
            self.catalog_name, embedding_function=None, metadata={"role": "paper catalog"}
        )

    def set_identity(self, identity: IndexIdentity, dense_scope: str = "") -> None:
        """Record `identity` and a new revision stamp (before and after content changes),
        and the dense scope the whole index is in ("" while an ingest is under way)."""
        self._chunk_collection().modify(
            metadata={
                **identity.to_metadata(),
                "revision": uuid.uuid4().hex,
                "dense_scope": dense_scope,
            }
        )

    def settled_dense_scope(self) -> str:
        """The dense scope of the last complete ingest ("" if the last one stopped early)."""
        return str(self.metadata().get("dense_scope") or "")

    def drop(self) -> None:
        """Delete the three collections and the saved BM25 view."""
        for name in self._names():
            if self._get(name) is not None:
                self._client.delete_collection(name)
        self._chunks = self._texts = self._catalog = None
        if self.lexical_cache is not None:
            shutil.rmtree(self.lexical_cache, ignore_errors=True)

    def aside(self) -> IndexStore:
        """An empty store beside this one (same client, `<name>-rebuild` collections): a
        rebuild is written there and takes this index's place only once complete."""
        staging = IndexStore(
            self._client, f"{self.name}{REBUILD_SUFFIX}", self.location, None,
            ef_search=self.ef_search,
        )  # fmt: skip
        staging.drop()  # what an interrupted rebuild left
        return staging

    def replace_with(self, staging: IndexStore) -> None:
        """Put a complete rebuild in this index's place: the old collections are renamed
        aside, the new ones take their names, then the old ones are deleted."""
        pairs = list(zip(self._names(), staging._names(), strict=True))
        for name, _ in pairs:
            if self._get(name) is not None:
                self._get(name).modify(name=f"{name}{OLD_SUFFIX}")
        for name, new in pairs:
            self._client.get_collection(new, embedding_function=None).modify(name=name)
        for name, _ in pairs:
            if self._get(f"{name}{OLD_SUFFIX}") is not None:
                self._client.delete_collection(f"{name}{OLD_SUFFIX}")
        self._chunks = self._texts = self._catalog = None
        if self.lexical_cache is not None:
            shutil.rmtree(self.lexical_cache, ignore_errors=True)

    def _names(self) -> tuple[str, str, str]:
        return self.name, self.text_name, self.catalog_name

    def _chunk_collection(self) -> Any:
        if self._chunks is None:
            self._chunks = self._get(self.name)
            if self._chunks is None:
                raise IndexStateError(
                    f"There is no index at {self.location} yet.",
                    hint="Run `assistant ingest` to build it from the digest.",
                )
            self._apply_ef_search(self._chunks)
        return self._chunks

    def _apply_ef_search(self, collection: Any) -> None:
        """Give an index built with another `index.ef_search` the configured one (it is a
        search-time setting: nothing is rebuilt)."""
        hnsw = (collection.configuration or {}).get("hnsw") or {}
        if hnsw.get("ef_search") != self.ef_search:
            collection.modify(configuration={"hnsw": {"ef_search": self.ef_search}})

    def _text_collection(self) -> Any:
        if self._texts is None:
            self._texts = self._get(self.text_name)
            if self._texts is None:
                raise IndexStateError(
                    f"The index at {self.location} lacks its BM25 chunk collection.",
                    hint="Run `assistant ingest --rebuild`.",
                )
        return self._texts

    def _both(self) -> tuple[Any, Any]:
        return self._chunk_collection(), self._text_collection()

    def _catalog_collection(self) -> Any:
        if self._catalog is None:
            self._catalog = self._get(self.catalog_name)
            if self._catalog is None:
                raise IndexStateError(
                    f"The index at {self.location} has no paper catalog.",
                    hint="Run `assistant ingest --rebuild`.",
                )
        return self._catalog

    # --- chunks ---------------------------------------------------------------------------

    def chunk_count(self) -> int:
        return sum(c.count() for c in self._both())

    def chunk_ids(self) -> list[str]:
        return [cid for c in self._both() for page in self._pages(c, []) for cid in page["ids"]]

    def chunk_ids_by_kind(self) -> tuple[set[str], set[str]]:
        """(ids of embedded chunks, ids of BM25-only chunks)."""
        embedded, lexical = (
            {cid for page in self._pages(c, []) for cid in page["ids"]} for c in self._both()
        )
        return embedded, lexical

    def put_chunks(
        self, ids: list[str], vectors: list[list[float]], texts: list[str], metas: list[dict]
    ) -> None:
        """Add or replace embedded chunks."""
        if ids:
            self._chunk_collection().upsert(
                ids=ids, embeddings=vectors, documents=texts, metadatas=metas
            )

    def put_text_chunks(self, ids: list[str], texts: list[str], metas: list[dict]) -> None:
        """Add or replace chunks that are indexed for BM25 only."""
        if ids:
            self._text_collection().upsert(
                ids=ids, embeddings=[_NO_VECTOR] * len(ids), documents=texts, metadatas=metas
            )

    def update_chunk_metadata(self, ids: list[str], metas: list[dict]) -> None:
        if not ids:
            return
        wanted = dict(zip(ids, metas, strict=True))
        for collection in self._both():
            present = collection.get(ids=ids, include=[])["ids"]
            if present:
                collection.update(ids=present, metadatas=[wanted[i] for i in present])

    def delete_chunks(self, ids: list[str]) -> None:
        for start in range(0, len(ids), PAGE):
            for collection in self._both():
                collection.delete(ids=ids[start : start + PAGE])

    def chunk_metadatas(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for collection in self._both() if ids else ():
            got = collection.get(ids=ids, include=["metadatas"])
            out.update(zip(got["ids"], got["metadatas"], strict=True))
        return out

    def all_chunk_metadata(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(chunk id, metadata) of every chunk, embedded or not, page by page."""
        for collection in self._both():
            for page in self._pages(collection, ["metadatas"]):
                yield from zip(page["ids"], page["metadatas"], strict=True)

    def chunks_of(self, paper_id: str) -> list[StoredChunk]:
        out: list[StoredChunk] = []
        for collection in self._both():
            got = collection.get(where={"paper_id": paper_id}, include=["documents", "metadatas"])
            out += [
                _stored(cid, doc, meta)
                for cid, doc, meta in zip(
                    got["ids"], got["documents"], got["metadatas"], strict=True
                )
            ]
        return out

    def chunks_by_id(self, ids: list[str]) -> list[StoredChunk]:
        found: dict[str, StoredChunk] = {}
        for collection in self._both() if ids else ():
            got = collection.get(ids=ids, include=["documents", "metadatas"])
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                found[cid] = _stored(cid, doc, meta)
        return [found[cid] for cid in ids if cid in found]

    def chunk_vectors(self, paper_ids: list[str]) -> dict[str, list[list[float]]]:
        """Every chunk vector of the given papers, grouped by paper."""
        if not paper_ids:
            return {}
        got = self._chunk_collection().get(
            where={"paper_id": {"$in": paper_ids}}, include=["embeddings"]
        )
        out: dict[str, list[list[float]]] = {}
        for chunk_id, vector in zip(got["ids"], got["embeddings"], strict=True):
            out.setdefault(ChunkRef.of(chunk_id).paper_id, []).append(list(vector))
        return out

    def nearest(
        self, vector: list[float], n: int, where: dict[str, Any] | None
    ) -> list[tuple[ChunkRef, float]]:
        """The `n` nearest chunks with their cosine similarity, best first.

        Ids and distances only: reading a record's text and metadata costs more than the
        search itself, so the caller reads just the chunks it shows (`chunks_by_id`)."""
        got = self._chunk_collection().query(
            query_embeddings=[vector], n_results=n, where=where, include=["distances"]
        )
        return [
            (ChunkRef.of(cid), 1.0 - float(dist))
            for cid, dist in zip(got["ids"][0], got["distances"][0], strict=True)
        ]

    # --- the paper catalog ----------------------------------------------------------------

    def put_papers(self, papers: list[Paper]) -> None:
        if not papers:
            return
        records = [paper_record(p) for p in papers]
        # The record goes in metadata, packed, not in the document: Chroma full-text
        # indexes documents, which made catalog writes five times slower.
        self._catalog_collection().upsert(
            ids=[p.paper_id for p in papers],
            embeddings=[_NO_VECTOR] * len(papers),
            metadatas=[
                {"record": pack_record(r), "record_hash": record_hash(r), **paper_filter_fields(p)}
                for p, r in zip(papers, records, strict=True)
            ],
        )

    def delete_papers(self, paper_ids: list[str]) -> None:
        for start in range(0, len(paper_ids), PAGE):
            self._catalog_collection().delete(ids=paper_ids[start : start + PAGE])

    def catalog_state(self) -> dict[str, tuple[str, frozenset[str]]]:
        """paper id -> (hash of its stored record, its source files), for every paper."""
        return {
            pid: (meta.get("record_hash", ""), frozenset(meta.get("source_files") or ()))
            for page in self._pages(self._catalog_collection(), ["metadatas"])
            for pid, meta in zip(page["ids"], page["metadatas"], strict=True)
        }

    def papers(self, paper_ids: list[str] | None = None) -> list[Paper]:
        """Full records of the given papers (those found), or of the whole catalog."""
        catalog = self._catalog_collection()
        if paper_ids is not None:
            if not paper_ids:
                return []
            got = catalog.get(ids=list(paper_ids), include=["metadatas"])
            return [paper_from_record(unpack_record(meta["record"])) for meta in got["metadatas"]]
        return [
            paper_from_record(unpack_record(meta["record"]))
            for page in self._pages(catalog, ["metadatas"])
            for meta in page["metadatas"]
        ]

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _pages(collection: Any, include: list[str]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = collection.get(include=include, limit=PAGE, offset=offset)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])


def _stored(chunk_id: str, text: str | None, meta: dict[str, Any]) -> StoredChunk:
    return StoredChunk(
        chunk_id=chunk_id,
        paper_id=str(meta["paper_id"]),
        section=str(meta["section"]),
        part=int(meta.get("part", 0)),
        language=str(meta.get("language", "")),
        text=text or "",
        metadata=meta,
    )
