"""Ingest speed on the bundled digest with the configured (default: local) embedder.

Prints the full first ingest (what every new user waits for): embedder load time, papers,
chunks, tokens, wall time and chunks/s; then the no-op re-ingest, both in the same process
and as a fresh `assistant ingest` command (interpreter start and imports included).

The index goes to a temporary folder unless --vectorstore is given. CPU-heavy: run as
    flock /tmp/cpu-heavy.lock .venv/bin/python bench/ingest.py [--set section.field=value]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings, parse_overrides  # noqa: E402
from assistant.digest import load_digests  # noqa: E402
from assistant.index.chunking import chunk_paper  # noqa: E402
from assistant.index.identity import chunking_params  # noqa: E402
from assistant.index.ingest import ingest  # noqa: E402
from assistant.index.store import IndexStore  # noqa: E402
from assistant.llm import make_embeddings, make_token_counter  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vectorstore", type=Path, help="Index folder (default: a temp one).")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()

    folder = args.vectorstore or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    overrides = [*args.overrides, f"paths.vectorstore={folder}"]
    settings = load_settings(parse_overrides(overrides))
    load = load_digests(settings.paths.digests)
    counter = make_token_counter(settings)
    chunks = [c for p in load.papers for c in chunk_paper(p, chunking_params(settings), counter)]
    embedded = [c for c in chunks if c.embedded]
    tokens = sum(counter.count(c.embed_text) for c in embedded)
    print(
        f"digest: {len(load.papers)} papers -> {len(chunks)} chunks, {len(embedded)} of them "
        f"embedded ({tokens} tiktoken tokens; dense_scope={settings.index.dense_scope}, "
        f"chunk_tokens={settings.index.chunk_tokens}, "
        f"zh_fields_per_chunk={settings.index.zh_fields_per_chunk})"
    )
    print(
        f"embedder: {settings.embedder.backend} {settings.embedder.model or '(default)'} "
        f"runtime={settings.embedder.runtime} onnx_precision={settings.embedder.onnx_precision} "
        f"dtype={settings.embedder.dtype} "
        f"batch={settings.embedder.batch_size} "
        f"threads={settings.embedder.threads or 'default'}; index: {folder}"
    )

    started = time.perf_counter()
    embeddings = make_embeddings(settings, progress=False)
    load_s = time.perf_counter() - started
    print(f"embedder load: {load_s:.1f} s")

    with IndexStore.open(settings) as store:
        started = time.perf_counter()
        report = ingest(
            settings, load, store=store, embeddings=embeddings, counter=counter, rebuild=True
        )
        full_s = time.perf_counter() - started
        print(
            f"full ingest: {full_s:.1f} s wall ({full_s + load_s:.1f} s with the embedder load), "
            f"{report.chunks_added} chunks written, {report.chunks_embedded} embedded: "
            f"{report.chunks_embedded / full_s:.2f} embedded chunks/s overall, "
            f"{report.chunks_embedded / report.embed_seconds:.2f} in the embed+write loop"
        )
        started = time.perf_counter()
        again = ingest(settings, load, store=store, embeddings=embeddings, counter=counter)
        print(
            f"no-op re-ingest, same process: {time.perf_counter() - started:.2f} s "
            f"(embedded {again.chunks_embedded})"
        )

    env = {**os.environ, "ASSISTANT_PATHS__VECTORSTORE": str(folder)}
    for pair in args.overrides:
        key, _, value = pair.partition("=")
        env["ASSISTANT_" + key.upper().replace(".", "__")] = value
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "assistant"), "ingest", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    print(f"no-op re-ingest, `assistant ingest` command: {wall:.2f} s wall")
    print(f"  -> {done.stdout.strip() or done.stderr.strip()}")


if __name__ == "__main__":
    main()
