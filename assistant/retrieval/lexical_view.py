"""The in-memory lexical side of a search: BM25 over the stored tokens, and filter values.

Built from the chunk metadata in Chroma (each chunk carries its BM25 tokens), so it is the
same in local and server mode and always matches the index it was read from. In local
mode it is also saved next to the index, tagged with the index's revision stamp, and
loaded from there while the stamp is unchanged: a large index then opens without reading
every chunk back. It also knows, per paper, the values that filters match on.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from assistant.index.lexical import LexicalIndex, english_stem
from assistant.index.store import IndexStore
from assistant.retrieval.hits import SearchFilters


@dataclass
class PaperFields:
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    source_files: list[str] = field(default_factory=list)


class LexicalView:
    """BM25 over every chunk of the index, plus per-paper filter fields."""

    def __init__(
        self,
        revision: str | None,
        chunk_ids: list[str],
        chunk_paper: np.ndarray,
        paper_ids: list[str],
        fields: dict[str, PaperFields],
        index: LexicalIndex,
    ) -> None:
        self.revision = revision
        self.chunk_ids = chunk_ids
        self._chunk_paper = chunk_paper
        self.paper_ids = paper_ids
        self.fields = fields
        self.index = index
        self._forms: dict[str, list[str]] | None = None  # English stem -> words, on first need

    @classmethod
    def open(cls, store: IndexStore) -> LexicalView:
        """The view of the store's current revision: from the local cache when it is of
        that revision, else rebuilt from Chroma (and cached, in local mode)."""
        revision = store.revision()
        cache = store.lexical_cache
        if cache is not None and revision is not None:
            view = cls._load(cache, revision)
            if view is not None:
                return view
        view = cls.build(store, revision)
        if cache is not None and revision is not None:
            view._save(cache)
        return view

    @classmethod
    def build(cls, store: IndexStore, revision: str | None) -> LexicalView:
        """Read every chunk's metadata (BM25 tokens and filter fields) from the store."""
        chunk_ids: list[str] = []
        tokens: list[list[str]] = []
        paper_index: dict[str, int] = {}
        chunk_paper: list[int] = []
        fields: dict[str, PaperFields] = {}
        for chunk_id, meta in store.all_chunk_metadata():
            paper_id = str(meta["paper_id"])
            chunk_ids.append(chunk_id)
            tokens.append(str(meta.get("lex", "")).split())
            chunk_paper.append(paper_index.setdefault(paper_id, len(paper_index)))
            if paper_id not in fields:
                fields[paper_id] = PaperFields(
                    meta.get("category"),
                    list(meta.get("tags") or []),
                    list(meta.get("source_files") or []),
                )
        return cls(
            revision,
            chunk_ids,
            np.asarray(chunk_paper, dtype=np.int64),
            list(paper_index),
            fields,
            LexicalIndex(tokens),
        )

    def _save(self, folder: Path) -> None:
        """Write the view next to the index, replacing an older one in one rename."""
        staging = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        self.index.save(staging / "bm25")
        np.save(staging / "chunk_paper.npy", self._chunk_paper)
        data = {
            "chunk_ids": self.chunk_ids,
            "paper_ids": self.paper_ids,
            "fields": {pid: asdict(f) for pid, f in self.fields.items()},
        }
        (staging / "chunks.json").write_text(json.dumps(data, ensure_ascii=False))
        (staging / "revision").write_text(self.revision or "")
        old = folder.with_name(f"{folder.name}.old-{os.getpid()}")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def _load(cls, folder: Path, revision: str) -> LexicalView | None:
        try:
            if (folder / "revision").read_text() != revision:
                return None
            data = json.loads((folder / "chunks.json").read_text())
            return cls(
                revision,
                data["chunk_ids"],
                np.load(folder / "chunk_paper.npy"),
                data["paper_ids"],
                {pid: PaperFields(**f) for pid, f in data["fields"].items()},
                LexicalIndex.load(folder / "bm25"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or damaged: rebuilt from Chroma

    # --- filters ---------------------------------------------------------------------------

    def known_categories(self) -> list[str]:
        return sorted({f.category for f in self.fields.values() if f.category})

    def resolve(self, filters: SearchFilters) -> SearchFilters:
        """Filter values as stored: case-insensitive categories and tags, files by name."""

        def match(wanted: object, known: set[str], by_name: bool = False) -> tuple[str, ...]:
            if not wanted:
                return ()
            asked = [str(w) for w in wanted]  # type: ignore[attr-defined]
            out = []
            for value in sorted(known):
                for w in asked:
                    if value.casefold() == w.casefold() or (
                        by_name and (Path(value).name == w or value == str(Path(w).resolve()))
                    ):
                        out.append(value)
                        break
            return tuple(out) or ("\x00no match\x00",)  # asked for, nothing known: match none

        fields = self.fields.values()
        return SearchFilters(
            categories=match(filters.categories, {f.category for f in fields if f.category}),
            tags=match(filters.tags, {t for f in fields for t in f.tags}),
            source_files=match(
                filters.source_files, {s for f in fields for s in f.source_files}, by_name=True
            ),
        )

    def allowed_papers(self, resolved: SearchFilters) -> set[str]:
        cats, tags, files = (
            set(resolved.categories or ()),
            set(resolved.tags or ()),
            set(resolved.source_files or ()),
        )
        return {
            pid
            for pid, f in self.fields.items()
            if (not cats or f.category in cats)
            and (not tags or tags.intersection(f.tags))
            and (not files or files.intersection(f.source_files))
        }

    # --- search ----------------------------------------------------------------------------

    def top(
        self, query_tokens: list[str], n: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """Up to `n` (chunk id, BM25 score) pairs, best first, within the allowed papers."""
        mask = None
        if allowed is not None:
            allowed_index = [i for i, pid in enumerate(self.paper_ids) if pid in allowed]
            mask = np.isin(self._chunk_paper, np.asarray(allowed_index, dtype=np.int64))
        return [(self.chunk_ids[i], score) for i, score in self.index.top(query_tokens, n, mask)]

    def papers_with(self, token: str) -> frozenset[str]:
        """The papers with a chunk that contains `token` (a BM25 token)."""
        scores = self.index.scores([token])
        if not scores.size:
            return frozenset()
        rows = np.unique(self._chunk_paper[scores > 0])
        return frozenset(self.paper_ids[i] for i in rows)

    def papers_with_form(self, token: str) -> frozenset[str]:
        """`papers_with`, or for an English word no chunk has as written, the papers with
        another form of it ("repeating" -> "repeated", "repeat")."""
        found = self.papers_with(token)
        if found or not token.isascii():
            return found
        forms = self._english_forms().get(english_stem(token), ())
        return frozenset().union(*(self.papers_with(form) for form in forms))

    def _english_forms(self) -> dict[str, list[str]]:
        if self._forms is None:
            forms: dict[str, list[str]] = {}
            for word in self.index.vocabulary():
                if word.isascii() and word.isalpha():
                    forms.setdefault(english_stem(word), []).append(word)
            self._forms = forms
        return self._forms


def chroma_where(resolved: SearchFilters) -> dict | None:
    """The same filter as a Chroma `where` clause (None when there is nothing to filter)."""
    clauses: list[dict] = []

    def any_of(key: str, values: tuple[str, ...] | list[str] | None, op: str) -> None:
        if not values:
            return
        parts = [{key: {op: v}} for v in values]
        clauses.append(parts[0] if len(parts) == 1 else {"$or": parts})

    any_of("category", resolved.categories, "$eq")
    any_of("tags", resolved.tags, "$contains")
    any_of("source_files", resolved.source_files, "$contains")
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
