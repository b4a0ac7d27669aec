"""Hybrid search over the index: dense + BM25, fused per paper, optionally reranked.

A Retriever holds one store, one embedder and the in-memory BM25 view; it is safe to
share between threads (the web chat does). It notices when the index changes (an ingest
in this process, or another writer on a Chroma server) through the index's revision
stamp, and then reloads its lexical view and paper cache.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from assistant.config import Settings
from assistant.digest.model import Paper
from assistant.errors import ConfigError, IndexStateError
from assistant.index.chunking import SECTION_ORDER, field_parts
from assistant.index.identity import (
    REBUILD_HINT,
    IndexIdentity,
    check_identity,
    expected_identity,
    lexical_params,
)
from assistant.index.lexical import fold, tokenize
from assistant.index.store import ChunkRef, IndexStore, StoredChunk
from assistant.retrieval.fusion import FusedPaper, FusionParams, fuse
from assistant.retrieval.hits import ChunkHit, PaperHit, SearchFilters
from assistant.retrieval.lexical_view import LexicalView, chroma_where
from assistant.retrieval.names import NameIndex
from assistant.retrieval.topic import TopicTerms, topic_terms, topic_tokens
from assistant.text.language import detect_language
from assistant.tokens import TokenCounter

QUERY_CACHE_SIZE = 256  # query vectors kept, most recently used


@dataclass
class Candidates:
    """What the two retrievers found for one query, before fusion (chunk ids only)."""

    query: str
    vector: list[float]
    tokens: list[str]
    dense: list[tuple[ChunkRef, float]]  # (chunk, cosine similarity), best first
    lexical: list[tuple[ChunkRef, float]]  # (chunk, BM25 score), best first
    seconds: dict[str, float] = field(default_factory=dict)


class Retriever:
    """Finds the papers that match a question, in Chinese or English."""

    def __init__(
        self,
        settings: Settings,
        store: IndexStore,
        embeddings: Embeddings,
        *,
        chat_model: BaseChatModel | None = None,
        counter: TokenCounter | None = None,
        identity: IndexIdentity | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embeddings = embeddings
        self.chat_model = chat_model
        self.identity = identity or store.identity()
        self._lock = threading.RLock()
        self._view: LexicalView | None = None
        self._papers: dict[str, Paper] = {}
        self._names: NameIndex | None = None
        self._lexical = lexical_params(settings)
        self._counter = counter
        # The query embedding is most of a search's time; a question asked again (a retry,
        # a regenerated answer, the same search from the UI) reuses it.
        self._embed_query = lru_cache(maxsize=QUERY_CACHE_SIZE)(self.embeddings.embed_query)

    def forget_query_vectors(self) -> None:
        """Embed every query afresh (for timing searches of questions asked before)."""
        self._embed_query.cache_clear()

    # --- the lexical view and the paper cache, kept fresh ---------------------------------

    def _current_view(self) -> LexicalView:
        revision = self.store.revision()
        with self._lock:
            if self._view is None or self._view.revision != revision:
                self._view = LexicalView.open(self.store)
                self._papers = {}
                self._names = None
            return self._view

    def warm_up(self) -> None:
        """Load the lexical view and the Chinese tokenizer now rather than at the first query."""
        self._current_view()
        tokenize("预热 warm up", self._lexical)

    def refresh(self) -> None:
        """Reload everything from the store now (normally done when the index changes)."""
        with self._lock:
            self._view = None
            self._papers = {}
        self._current_view()

    def _load_papers(self, paper_ids: list[str]) -> dict[str, Paper]:
        with self._lock:
            missing = [pid for pid in paper_ids if pid not in self._papers]
        if missing:
            found = self.store.papers(missing)
            with self._lock:
                self._papers.update({p.paper_id: p for p in found})
        with self._lock:
            return {pid: self._papers[pid] for pid in paper_ids if pid in self._papers}

    # --- search -----------------------------------------------------------------------------

    def candidates(self, query: str, filters: SearchFilters | None = None) -> Candidates:
        """The dense and the lexical candidates for `query`, before fusion."""
        view = self._current_view()
        n = self.settings.retrieval.candidates
        seconds: dict[str, float] = {}
        where, allowed = None, None
        if filters is not None and not filters.is_empty():
            resolved = view.resolve(filters)
            where, allowed = chroma_where(resolved), view.allowed_papers(resolved)

        started = time.perf_counter()
        vector = self._embed_query(query)
        seconds["embed"] = time.perf_counter() - started
        if self.identity and self.identity.dimension and len(vector) != self.identity.dimension:
            raise IndexStateError(
                f"The embedder gives {len(vector)}-dimensional vectors but the index at "
                f"{self.store.location} holds {self.identity.dimension}-dimensional ones.",
                hint=REBUILD_HINT,
            )

        started = time.perf_counter()
        dense = [] if allowed == set() else self.store.nearest(vector, n, where)
        seconds["dense"] = time.perf_counter() - started

        started = time.perf_counter()
        tokens = tokenize(query, self._lexical)
        lexical = [(ChunkRef.of(cid), score) for cid, score in view.top(tokens, n, allowed)]
        seconds["lexical"] = time.perf_counter() - started
        return Candidates(query, vector, tokens, dense, lexical, seconds)

    def fusion_params(self) -> FusionParams:
        r = self.settings.retrieval
        return FusionParams(method=r.fusion, dense_weight=r.dense_weight, rrf_k=r.rrf_k)

    def rank(
        self,
        candidates: Candidates,
        k: int,
        params: FusionParams | None = None,
    ) -> list[PaperHit]:
        """Fuse the candidates and build the top `k` paper hits (no rerank)."""
        fused = fuse(candidates.dense, candidates.lexical, params or self.fusion_params())
        papers = self._load_papers([f.paper_id for f in fused[: k + 5]])
        top = [f for f in fused if f.paper_id in papers][:k]
        self._fill_dense_similarity(top, candidates.vector)
        stored = {
            c.chunk_id: c
            for c in self.store.chunks_by_id([ref.chunk_id for f in top for ref, _ in f.chunks])
        }
        per_paper = self.settings.retrieval.chunks_per_paper
        query_tokens = set(candidates.tokens)
        language = detect_language(candidates.query)

        def evidence(f: FusedPaper) -> list[ChunkHit]:
            best = _language_first(_read(f.chunks, stored), language)[:per_paper]
            return [hit for chunk, score in best for hit in _chunk_hits(chunk, score, query_tokens)]

        return [
            PaperHit(
                paper=papers[f.paper_id],
                score=f.score,
                dense_similarity=f.dense_similarity or 0.0,
                lexical_score=f.lexical_score,
                chunks=evidence(f),
            )
            for f in top
        ]

    def search(
        self, query: str, *, k: int | None = None, filters: SearchFilters | None = None
    ) -> list[PaperHit]:
        """The `k` papers (default retrieval.k) that best match `query`, best first."""
        if not query.strip():
            return []
        k = k or self.settings.retrieval.k
        rerank_on = self.settings.retrieval.rerank and self.chat_model is not None
        width = max(k, self.settings.retrieval.rerank_candidates) if rerank_on else k
        hits = self.rank(self.candidates(query, filters), width)
        if rerank_on:
            from assistant.retrieval.rerank import rerank

            hits = rerank(
                query,
                hits,
                chat_model=self.chat_model,  # type: ignore[arg-type]
                prompts_dir=self.settings.paths.prompts,
                candidates=self.settings.retrieval.rerank_candidates,
                budget_s=self.settings.retrieval.rerank_budget_s,
                truncate=self._token_counter().truncate,
            )
        return hits[:k]

    def _fill_dense_similarity(self, top: list[FusedPaper], vector: list[float]) -> None:
        """Papers found only by BM25 get their real best cosine similarity to the query."""
        missing = [f.paper_id for f in top if f.dense_similarity is None]
        if not missing:
            return
        vectors = self.store.chunk_vectors(missing)
        query = np.asarray(vector, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        for f in top:
            if f.dense_similarity is None:
                rows = np.asarray(vectors.get(f.paper_id, []), dtype=np.float32)
                if len(rows) == 0:
                    f.dense_similarity = 0.0
                    continue
                norms = np.maximum(np.linalg.norm(rows, axis=1), 1e-12)
                f.dense_similarity = float(np.max(rows @ query / norms))

    def _token_counter(self) -> TokenCounter:
        if self._counter is None:
            raise ConfigError(
                "retrieval.rerank is on but the retriever was given no token counter.",
                hint="Build the retriever with assistant.runtime.Runtime.",
            )
        return self._counter

    # --- a topic's terms (list answers) ------------------------------------------------

    def topic_terms(self, question: str) -> TopicTerms:
        """The topic words of `question` (retrieval/topic.py), each with the papers that
        contain it."""
        view = self._current_view()
        tokens = topic_tokens(question, lambda text: tokenize(text, self._lexical))
        return topic_terms(tokens, view.papers_with_form, len(view.paper_ids))

    def hits_for(self, paper_ids: list[str], query: str) -> list[PaperHit]:
        """Hits for papers found outside a search (score 0): their real best dense
        similarity to `query`, and their chunks that share the most words with it first."""
        papers = self._load_papers(paper_ids)
        if not papers:
            return []
        similarity = self.paper_similarities(query, list(papers))
        query_tokens = set(tokenize(query, self._lexical))
        hits = []
        for pid, paper in papers.items():
            chunks = sorted(self.chunks_of(pid), key=lambda c: -_tokens_in(query_tokens, c.text))
            per_paper = self.settings.retrieval.chunks_per_paper
            hits.append(PaperHit(paper, 0.0, similarity[pid], 0.0, chunks[:per_paper]))
        return hits

    def paper_similarities(self, query: str, paper_ids: list[str]) -> dict[str, float]:
        """Each paper's best cosine similarity between `query` and its embedded chunks, from
        the stored vectors (0.0 for a paper without one)."""
        if not paper_ids:
            return {}
        query_vector = np.asarray(self._embed_query(query), dtype=np.float32)
        query_vector /= np.linalg.norm(query_vector) or 1.0
        vectors = self.store.chunk_vectors(paper_ids)
        out = {}
        for pid in paper_ids:
            rows = np.asarray(vectors.get(pid, []), dtype=np.float32)
            out[pid] = 0.0
            if len(rows):
                norms = np.maximum(np.linalg.norm(rows, axis=1), 1e-12)
                out[pid] = float(np.max(rows @ query_vector / norms))
        return out

    def similarities(self, query: str, texts: list[str]) -> list[float]:
        """The embedder's cosine similarity of `query` to each text (sentences a context is
        chosen from, when they are in the other language and share no words with it)."""
        if not texts:
            return []
        query_vector = np.asarray(self._embed_query(query), dtype=np.float32)
        rows = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
        norms = np.maximum(np.linalg.norm(rows, axis=1), 1e-12)
        return [
            float(x) for x in rows @ query_vector / norms / (np.linalg.norm(query_vector) or 1.0)
        ]

    # --- papers and chunks ------------------------------------------------------------------

    def chunks_of(self, paper_id: str) -> list[ChunkHit]:
        """Every chunk of one paper in document order (grouped fields come apart)."""
        pieces = [
            (c, section, text)
            for c in self.store.chunks_of(paper_id)
            for section, text in field_parts(c.section, c.text)
        ]
        pieces.sort(key=lambda p: (_section_rank(p[1]), p[0].part))
        return [
            ChunkHit(c.chunk_id, c.paper_id, section, c.language, text, 0.0)
            for c, section, text in pieces
        ]

    def paper(self, paper_id: str) -> Paper | None:
        return self._load_papers([paper_id]).get(paper_id)

    def papers_named(self, name: str) -> list[Paper]:
        """The papers that go by `name` (retrieval/names.py; the catalog read once per
        index revision)."""
        self._current_view()
        with self._lock:
            if self._names is None:
                self._names = NameIndex(self.papers())
            return self._names.candidates(name)

    def papers(self) -> list[Paper]:
        """The whole catalog, in index order."""
        papers = self.store.papers()
        with self._lock:
            self._papers.update({p.paper_id: p for p in papers})
        return papers

    def categories(self) -> list[str]:
        """Every category present in the index, sorted."""
        return self._current_view().known_categories()

    def as_langchain(self, *, k: int | None = None, filters: SearchFilters | None = None) -> Any:
        """This retriever as a LangChain BaseRetriever (one Document per paper)."""
        from assistant.retrieval.adapter import PaperRetriever

        return PaperRetriever(retriever=self, k=k, filters=filters)


def _read(
    refs: list[tuple[ChunkRef, float]], stored: dict[str, StoredChunk]
) -> list[tuple[StoredChunk, float]]:
    return [(stored[ref.chunk_id], score) for ref, score in refs if ref.chunk_id in stored]


def _language_first(
    chunks: list[tuple[StoredChunk, float]], language: str
) -> list[tuple[StoredChunk, float]]:
    """Best first, except that the best chunk in the query's language, if any matched,
    leads: the snippet a reader sees is then in the language they asked in."""
    if not chunks:
        return chunks
    same = next((i for i, (chunk, _) in enumerate(chunks) if chunk.language == language), 0)
    return [chunks[same], *chunks[:same], *chunks[same + 1 :]]


def _tokens_in(tokens: set[str], text: str) -> int:
    folded = fold(text)
    return sum(token in folded for token in tokens)


def _section_rank(section: str) -> int:
    return SECTION_ORDER.index(section) if section in SECTION_ORDER else len(SECTION_ORDER)


def _chunk_hits(chunk: StoredChunk, score: float, query_tokens: set[str]) -> list[ChunkHit]:
    """A matched chunk as ChunkHits; fields of a group ordered by how many query tokens
    they contain (a containment test: tokenizing every field was a third of a search)."""
    parts = field_parts(chunk.section, chunk.text)
    if len(parts) > 1:
        parts.sort(key=lambda p: -_tokens_in(query_tokens, p[1]))
    return [
        ChunkHit(chunk.chunk_id, chunk.paper_id, section, chunk.language, text, score)
        for section, text in parts
    ]


def open_retriever(
    settings: Settings,
    store: IndexStore,
    embeddings: Embeddings,
    *,
    chat_model: BaseChatModel | None = None,
    counter: TokenCounter | None = None,
) -> Retriever:
    """A Retriever on `store`, checked against the identity the settings expect.

    `chat_model` is the reranker's judge (only used when retrieval.rerank is on), and
    `counter` trims the passages it reads.
    """
    if not store.exists():
        raise IndexStateError(
            f"There is no index at {store.location} yet.",
            hint="Run `assistant ingest` to build it from the digest.",
        )
    identity = store.identity()
    check_identity(identity, expected_identity(settings), store.location)
    retriever = Retriever(
        settings, store, embeddings, chat_model=chat_model, counter=counter, identity=identity
    )
    retriever.warm_up()
    return retriever
