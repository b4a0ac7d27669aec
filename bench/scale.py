"""How ingest and search grow with the corpus: synthetic digests of 1k, 10k and 100k papers.

Synthetic papers are untitled (format B) papers assembled from randomly drawn real
sentences of the bundled digest (six Chinese fields, an English abstract of 4-9 sentences,
a TL;DR half of the time, real tags and categories), so lengths, vocabulary and both
languages look like the real thing. Vectors come from a fast hashed embedder (768
dimensions, like EmbeddingGemma): the point is the index, not the model, whose query
embedding cost does not depend on the corpus size.

For each size, prints ingest throughput (chunks/s and papers/s), the open time of a
retriever the first time (BM25 view rebuilt from Chroma and saved) and the next time (saved
view loaded), query p50/p95 over 50 queries, and the size of the index folder.

    flock /tmp/cpu-heavy.lock .venv/bin/python bench/scale.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.digest import DigestLoad, Paper, SourceRef, load_digests  # noqa: E402
from assistant.digest.model import SECTION_LABELS  # noqa: E402
from assistant.evals.metrics import percentile  # noqa: E402
from assistant.index.ingest import ingest  # noqa: E402
from assistant.index.store import IndexStore  # noqa: E402
from assistant.llm import make_token_counter  # noqa: E402
from assistant.retrieval import open_retriever  # noqa: E402
from assistant.text.sentences import split_sentences  # noqa: E402

_WORDS = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]", re.IGNORECASE)


class HashedEmbeddings(Embeddings):
    """Sum of fixed random vectors of the words and Chinese characters; fast and stable."""

    def __init__(self, dimension: int = 768) -> None:
        self.dimension = dimension
        self._cache: dict[str, np.ndarray] = {}

    def _word(self, word: str) -> np.ndarray:
        vector = self._cache.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.md5(word.encode()).digest()[:8], "little")
            vector = np.random.default_rng(seed).standard_normal(self.dimension)
            self._cache[word] = vector.astype(np.float32)
            vector = self._cache[word]
        return vector

    def _embed(self, text: str) -> list[float]:
        words = _WORDS.findall(text.lower()) or ["empty"]
        total = np.sum([self._word(w) for w in words], axis=0)
        return (total / (np.linalg.norm(total) or 1.0)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


def sentence_pools(papers: list[Paper]) -> dict[str, list]:
    pools: dict[str, list] = {key: [] for key in SECTION_LABELS}
    pools.update(abstract=[], tldr=[], tags=[], categories=[])
    for paper in papers:
        for key, text in paper.sections.items():
            pools[key].append(text)
        if paper.abstract:
            pools["abstract"].extend(split_sentences(paper.abstract))
        if paper.tldr:
            pools["tldr"].append(paper.tldr)
        if paper.tags:
            pools["tags"].append(paper.tags)
        if paper.category:
            pools["categories"].append((paper.category, paper.subcategory))
    return pools


def synthetic_papers(n: int, pools: dict[str, list], rng: random.Random) -> list[Paper]:
    papers = []
    for i in range(n):
        category, subcategory = rng.choice(pools["categories"])
        abstract = " ".join(rng.choice(pools["abstract"]) for _ in range(rng.randint(4, 9)))
        papers.append(
            Paper(
                paper_id=f"s-{i:07d}",
                display_name=f"Synthetic-{i}",
                name_source="method",
                category=category,
                subcategory=subcategory,
                tags=list(rng.choice(pools["tags"])),
                tldr=rng.choice(pools["tldr"]) if rng.random() < 0.5 else None,
                sections={key: rng.choice(pools[key]) for key in SECTION_LABELS},
                abstract=abstract,
                sources=[SourceRef(f"synthetic-{n}.txt", i + 1, "B")],
            )
        )
    return papers


def run_size(n: int, pools: dict[str, list], queries: list[str], keep: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-scale-{n}-"))
    settings = load_settings(
        {"paths": {"vectorstore": str(folder)}, "embedder": {"backend": "fake"}}, env_file=None
    )
    papers = synthetic_papers(n, pools, random.Random(n))
    embeddings = HashedEmbeddings()
    with IndexStore.open(settings) as store:
        started = time.perf_counter()
        report = ingest(
            settings,
            DigestLoad(papers=papers, files={f"synthetic-{n}.txt": "B"}),
            store=store,
            embeddings=embeddings,
            counter=make_token_counter(settings),
            batch_chunks=512,
        )
        seconds = time.perf_counter() - started
    with IndexStore.open(settings) as store:
        started = time.perf_counter()
        open_retriever(settings, store, embeddings)  # builds the BM25 view from Chroma, saves it
        build_s = time.perf_counter() - started
    with IndexStore.open(settings) as store:
        started = time.perf_counter()
        retriever = open_retriever(settings, store, embeddings)  # loads the saved view
        open_s = time.perf_counter() - started
        latency = []
        for query in queries:
            t0 = time.perf_counter()
            retriever.search(query, k=10)
            latency.append(time.perf_counter() - t0)
    size_mb = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
    print(
        f"{n:>7} papers {report.chunks:>8} chunks | ingest {seconds:7.1f} s "
        f"{report.chunks / seconds:7.1f} chunks/s {n / seconds:6.1f} papers/s | "
        f"first open {build_s:6.2f} s, next {open_s:5.2f} s | "
        f"query p50 {percentile(latency, 50) * 1000:6.1f} ms "
        f"p95 {percentile(latency, 95) * 1000:6.1f} ms | index {size_mb:7.1f} MB",
        flush=True,
    )
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--keep", action="store_true", help="Keep the index folders.")
    args = parser.parse_args()
    real = load_digests(load_settings(env_file=None).paths.digests).papers
    pools = sentence_pools(real)
    rng = random.Random(7)
    queries = [rng.choice(pools["abstract"])[:120] for _ in range(25)]
    queries += [rng.choice(pools["method"])[:40] for _ in range(25)]
    print("synthetic corpora, hashed 768-d embedder (query embedding not included)")
    for n in (int(s) for s in args.sizes.split(",")):
        run_size(n, pools, queries, args.keep)


if __name__ == "__main__":
    main()
