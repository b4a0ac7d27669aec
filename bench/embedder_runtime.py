"""Embedder runtimes compared on this machine: EmbeddingGemma-300M on ONNX Runtime (int8,
the default, and float32), on sentence-transformers (float32, bfloat16, batch size,
max_seq_length, threads) and as a Q8_0 GGUF on llama.cpp.

Each configuration runs in a fresh process and reports: import and load time, peak RSS,
the latency of one query (p50/p95 over the first 60 questions of evals/dev.jsonl, one at a
time, as a search embeds them), passages/s on ~1,000-character English passages and on the
Chinese field texts of the digest (~400 characters), the top-1 hits on the zh/en
cross-lingual check in bench/data/crosslingual.json, and the mean cosine of its passage
vectors to float32 sentence-transformers (how far the runtime moves the vectors).

The GGUF is made once with llama.cpp's converter, which ships in the llama-cpp-python
sdist (it needs the `sentencepiece` package, not a dependency of the assistant):

    pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36   # then untar it
    PYTHONPATH=<sdist>/vendor/llama.cpp/gguf-py python \
        <sdist>/vendor/llama.cpp/convert_hf_to_gguf.py <models>/embeddinggemma-300m \
        --outtype q8_0 --sentence-transformers-dense-modules --outfile emb-q8_0.gguf

Usage:  flock /tmp/cpu-heavy.lock .venv/bin/python bench/embedder_runtime.py \
            [--gguf emb-q8_0.gguf] [--configs st-fp32,onnx-fp32] [-n 32]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIGS: dict[str, dict] = {
    "onnx-int8": {"runtime": "onnx", "precision": "int8"},
    "onnx-fp32": {"runtime": "onnx", "precision": "float32"},
    "st-fp32": {"runtime": "st", "dtype": "float32", "batch": 16, "max_seq": 512},
    "st-bf16": {"runtime": "st", "dtype": "bfloat16", "batch": 16, "max_seq": 512, "n": 8},
    "st-fp32-b4": {"runtime": "st", "dtype": "float32", "batch": 4, "max_seq": 512},
    "st-fp32-b32": {"runtime": "st", "dtype": "float32", "batch": 32, "max_seq": 512},
    "st-fp32-seq256": {"runtime": "st", "dtype": "float32", "batch": 16, "max_seq": 256},
    "st-fp32-1thread": {
        "runtime": "st",
        "dtype": "float32",
        "batch": 16,
        "max_seq": 512,
        "threads": 1,
    },
    "gguf-q8_0": {"runtime": "gguf", "batch": 16, "max_seq": 2048},
    "gguf-q8_0-b1": {"runtime": "gguf", "batch": 1, "max_seq": 512},
}


def passages(n: int) -> tuple[list[str], list[str]]:
    """n English abstracts cut to ~1,000 characters, n Chinese field texts of papers."""
    from assistant.config import load_settings
    from assistant.digest import load_digests

    papers = load_digests(load_settings(env_file=None).paths.digests).papers
    english = []
    for paper in papers:
        if paper.abstract and len(paper.abstract) >= 1000:
            english.append(paper.abstract[:1000].rsplit(" ", 1)[0])
    chinese = [" ".join(p.sections.values()) for p in papers if p.sections]
    return english[:n], chinese[:n]


def run_one(name: str, n: int, gguf: str | None, out: str) -> dict:
    import numpy as np

    config = CONFIGS[name]
    n = min(n, config.get("n", n))
    english, chinese = passages(n)
    check = json.loads((ROOT / "bench" / "data" / "crosslingual.json").read_text())
    start = time.perf_counter()
    if config["runtime"] == "st":
        from assistant.config import load_settings
        from assistant.llm import make_embeddings

        imported = time.perf_counter()
        embedder_settings = {
            "runtime": "sentence-transformers",
            "dtype": config["dtype"],
            "batch_size": config["batch"],
            "max_seq_length": config["max_seq"],
            "threads": config.get("threads"),
        }
        settings = load_settings({"embedder": embedder_settings}, env_file=None)
        st_embedder = make_embeddings(settings, fetch_missing=False, progress=False)

        def docs(texts):
            return np.array(st_embedder.embed_documents(texts), dtype="float32")

        def queries(texts):
            return np.array([st_embedder.embed_query(t) for t in texts], dtype="float32")

        def tokens(text):
            return len(st_embedder.model.tokenizer(text)["input_ids"])
    elif config["runtime"] == "onnx":
        from assistant.config import load_settings
        from assistant.llm import make_embeddings

        imported = time.perf_counter()
        embedder_settings = {"runtime": "onnx", "onnx_precision": config["precision"]}
        settings = load_settings({"embedder": embedder_settings}, env_file=None)
        embedder = make_embeddings(settings, fetch_missing=False, progress=False)

        def docs(texts):
            return np.array(embedder.embed_documents(texts), dtype="float32")

        def queries(texts):
            return np.array([embedder.embed_query(t) for t in texts], dtype="float32")

        def tokens(text):
            return len(embedder.encoder.tokenizer.encode(text).ids)
    else:
        if not gguf:
            return {"config": name, "skipped": "no --gguf file given"}
        from assistant.config import load_settings
        from assistant.llm.local_llama import load_llama

        imported = time.perf_counter()
        llm_settings = {"context_size": config["max_seq"]}
        llama = load_llama(
            Path(gguf), load_settings({"llm": llm_settings}, env_file=None), embedding=True
        )
        prompts = {"query": "task: search result | query: ", "document": "title: none | text: "}

        def _embed(texts, kind):
            rows = []
            for i in range(0, len(texts), config["batch"]):
                batch = [prompts[kind] + t for t in texts[i : i + config["batch"]]]
                rows.extend(llama.embed(batch, normalize=True))
            return np.array(rows, dtype="float32")

        def docs(texts):
            return _embed(texts, "document")

        def queries(texts):
            return _embed(texts, "query")

        def tokens(text):
            return len(llama.tokenize(text.encode("utf-8"), add_bos=False))

    loaded = time.perf_counter()
    docs(["warm-up"])
    latencies = []
    for line in (ROOT / "evals" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:60]:
        t = time.perf_counter()
        queries([json.loads(line)["question"]])
        latencies.append(time.perf_counter() - t)
    latencies.sort()
    t = time.perf_counter()
    en_vectors = docs(english)
    en_rate = len(english) / (time.perf_counter() - t)
    t = time.perf_counter()
    zh_vectors = docs(chinese)
    zh_rate = len(chinese) / (time.perf_counter() - t)
    p_vectors = docs([p["text"] for p in check["passages"]])
    q_vectors = queries([q["text"] for q in check["queries"]])
    ids = [p["id"] for p in check["passages"]]
    hits = sum(
        ids[int(np.argmax(p_vectors @ q))] == query["passage"]
        for q, query in zip(q_vectors, check["queries"], strict=True)
    )
    np.savez(out, en=en_vectors, zh=zh_vectors)
    return {
        "config": name,
        "import_s": round(imported - start, 1),
        "load_s": round(loaded - imported, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "query_ms_p50": round(latencies[len(latencies) // 2] * 1000),
        "query_ms_p95": round(latencies[int(len(latencies) * 0.95)] * 1000),
        "n": len(english),
        "en_tokens": round(sum(map(tokens, english)) / len(english)),
        "en_passages_per_s": round(en_rate, 2),
        "zh_chars": round(sum(map(len, chinese)) / len(chinese)),
        "zh_tokens": round(sum(map(tokens, chinese)) / len(chinese)),
        "zh_passages_per_s": round(zh_rate, 2),
        "crosslingual_top1": f"{hits}/{len(check['queries'])}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", help="EmbeddingGemma GGUF made with convert_hf_to_gguf.py")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("-n", type=int, default=32, help="passages of each language")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.n, args.gguf, args.out)))
        return
    import numpy as np

    results, vectors = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.configs.split(","):
            out = f"{tmp}/{name}.npz"
            command = [sys.executable, __file__, "--one", name, "-n", str(args.n), "--out", out]
            if args.gguf:
                command += ["--gguf", args.gguf]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                print(f"{name}: failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
                continue
            result = json.loads(lines[-1])
            if Path(out).exists():
                vectors[name] = np.load(out)
            if "st-fp32" in vectors and name in vectors:
                cosines = []
                for lang in ("en", "zh"):
                    base, mine = vectors["st-fp32"][lang], vectors[name][lang]
                    rows = min(len(base), len(mine))
                    cosines.extend(np.sum(base[:rows] * mine[:rows], axis=1))
                result["cosine_to_fp32"] = round(float(np.mean(cosines)), 4)
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
