"""sentence-transformers' own ONNX backend against the hand-built EmbeddingGemma graph.

Runs EmbeddingGemma-300M as sentence-transformers exports it through optimum
(`SentenceTransformer(path, backend="onnx")`, float32, and its dynamic int8 export,
`export_dynamic_quantized_onnx_model`), next to the reference (sentence-transformers on
PyTorch, float32) and, with the project's own virtualenv, the hand-built graphs of
assistant/embedders/gemma_graph.py (`onnx-fp32`, `onnx-int8`). Each configuration runs in a
fresh process; figures as in bench/embedder_runtime.py: import and load time, peak RSS, one
query p50/p95 (the first 60 questions of evals/dev.jsonl, one at a time), passages/s on
English and Chinese passages of the digest, zh/en top-1 on bench/data/crosslingual.json,
plus the cosine of its query and passage vectors to the reference's (mean, min).

The export needs optimum, which the assistant does not depend on: use a separate venv.

    python3 -m venv /tmp/st-onnx
    /tmp/st-onnx/bin/pip install torch==2.13.0 "sentence-transformers[onnx]" onnxruntime
    flock /tmp/cpu-heavy.lock /tmp/st-onnx/bin/python bench/st_onnx.py \
        [--configs st-torch,st-onnx-fp32,st-onnx-int8-avx2,onnx-fp32,onnx-int8] [--batch 1]

The verified model folder is copied to --work once and exported there (never downloaded:
HF_HUB_OFFLINE=1); delete --work to measure the export again. `onnx-*` configurations run
with --project-python (the project's .venv), the others with this script's interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = Path("~/.cache/digest-assistant/models/embeddinggemma-300m").expanduser()
QUANT = ("arm64", "avx2", "avx512", "avx512_vnni")


def peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def texts(n: int) -> dict:
    """The same texts as bench/embedder_runtime.py, and the cross-lingual check."""
    sys.path.insert(0, str(ROOT))
    from assistant.digest import load_digests

    papers = load_digests([ROOT / "data" / "digests"]).papers
    english = [
        p.abstract[:1000].rsplit(" ", 1)[0]
        for p in papers
        if p.abstract and len(p.abstract) >= 1000
    ]
    chinese = [" ".join(p.sections.values()) for p in papers if p.sections]
    lines = (ROOT / "evals" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:60]
    check = json.loads((ROOT / "bench" / "data" / "crosslingual.json").read_text("utf-8"))
    return {
        "en": english[:n],
        "zh": chinese[:n],
        "questions": [json.loads(line)["question"] for line in lines],
        "check": check,
    }


def onnx_file(work: Path, name: str) -> str:
    if name == "st-onnx-fp32":
        return "onnx/model.onnx"
    quant = name.removeprefix("st-onnx-int8-")
    found = sorted(work.glob(f"onnx/model_*_{quant}.onnx"))
    return found[0].relative_to(work).as_posix() if found else ""


def load(folder: Path, file_name: str | None = None):
    """A SentenceTransformer on PyTorch, or on ONNX Runtime with `file_name` (exported now
    when the folder has no ONNX file yet)."""
    from sentence_transformers import SentenceTransformer

    if file_name is None:
        return SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    kwargs = {"file_name": file_name} if file_name else {}
    return SentenceTransformer(
        str(folder), backend="onnx", device="cpu", local_files_only=True, model_kwargs=kwargs
    )


def prepare(model: Path, work: Path, quants: list[str]) -> dict:
    """Copy the model folder, export it to ONNX and quantize it, timing each step."""
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model

    result: dict = {}
    if not (work / "onnx" / "model.onnx").exists():
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(model, work)
        start = time.perf_counter()
        st = load(work, "")
        st.save_pretrained(str(work))
        result["export_fp32_s"] = round(time.perf_counter() - start, 1)
    else:
        st = None
    for quant in quants:
        if onnx_file(work, f"st-onnx-int8-{quant}"):
            continue
        if st is None:
            st = load(work, "onnx/model.onnx")
        start = time.perf_counter()
        export_dynamic_quantized_onnx_model(st, quant, str(work))
        result[f"quantize_{quant}_s"] = round(time.perf_counter() - start, 1)
    result["prepare_peak_rss_mb"] = peak_rss_mb()
    return result


def run_one(name: str, args: argparse.Namespace) -> dict:
    import numpy as np

    data = texts(args.n)
    start = time.perf_counter()
    if name.startswith("st-"):
        import sentence_transformers  # noqa: F401  (import time apart from load time)

        imported = time.perf_counter()
        if name == "st-torch":
            model = load(args.model)
        else:
            model = load(args.work, onnx_file(args.work, name))
        model.max_seq_length = 512

        def docs(items):
            return model.encode_document(items, batch_size=args.batch, normalize_embeddings=True)

        def queries(items):
            return model.encode_query(items, batch_size=args.batch, normalize_embeddings=True)
    else:
        sys.path.insert(0, str(ROOT))
        from assistant.config import load_settings
        from assistant.llm import make_embeddings

        imported = time.perf_counter()
        precision = "int8" if name == "onnx-int8" else "float32"
        embedder_settings = {"runtime": "onnx", "onnx_precision": precision}
        settings = load_settings({"embedder": embedder_settings}, env_file=None)
        embedder = make_embeddings(settings, fetch_missing=False, progress=False)

        def docs(items):
            return np.array(embedder.embed_documents(items), dtype="float32")

        def queries(items):
            return np.array([embedder.embed_query(t) for t in items], dtype="float32")

    loaded = time.perf_counter()
    docs(["warm-up"])
    latencies, q_vectors = [], []
    for question in data["questions"]:
        t = time.perf_counter()
        q_vectors.append(queries([question])[0])
        latencies.append(time.perf_counter() - t)
    latencies.sort()
    rates, vectors = {}, {"questions": np.array(q_vectors, dtype="float32")}
    for lang in ("en", "zh"):
        t = time.perf_counter()
        vectors[lang] = np.asarray(docs(data[lang]), dtype="float32")
        rates[lang] = len(data[lang]) / (time.perf_counter() - t)
    check = data["check"]
    vectors["check_p"] = np.asarray(docs([p["text"] for p in check["passages"]]), "float32")
    vectors["check_q"] = np.asarray(queries([q["text"] for q in check["queries"]]), "float32")
    ids = [p["id"] for p in check["passages"]]
    hits = sum(
        ids[int(np.argmax(vectors["check_p"] @ q))] == query["passage"]
        for q, query in zip(vectors["check_q"], check["queries"], strict=True)
    )
    np.savez(args.out, **vectors)
    return {
        "config": name,
        "import_s": round(imported - start, 1),
        "load_s": round(loaded - imported, 1),
        "peak_rss_mb": peak_rss_mb(),
        "query_ms_p50": round(latencies[len(latencies) // 2] * 1000),
        "query_ms_p95": round(latencies[int(len(latencies) * 0.95)] * 1000),
        "en_passages_per_s": round(rates["en"], 2),
        "zh_passages_per_s": round(rates["zh"], 2),
        "crosslingual_top1": f"{hits}/{len(check['queries'])}",
    }


def cosines(reference, mine) -> dict:
    """Mean and min cosine to the reference's vectors: queries, then passages."""
    import numpy as np

    out = {}
    for kind, keys in (("query", ("questions", "check_q")), ("passage", ("en", "zh", "check_p"))):
        values = np.concatenate([np.sum(reference[k] * mine[k], axis=1) for k in keys])
        out[f"cos_{kind}_mean"] = round(float(values.mean()), 6)
        out[f"cos_{kind}_min"] = round(float(values.min()), 6)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "st-torch,st-onnx-fp32,st-onnx-int8-avx2"
    parser.add_argument("--configs", default=default, help=f"(default {default})")
    parser.add_argument("--model", type=Path, default=MODEL, help="verified model folder")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "st-onnx-model")
    parser.add_argument("--batch", type=int, default=1, help="sentence-transformers batch size")
    parser.add_argument("-n", type=int, default=32, help="passages of each language")
    parser.add_argument("--project-python", default=str(ROOT / ".venv" / "bin" / "python"))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    if args.prepare is not None:
        print(json.dumps(prepare(args.model, args.work, [q for q in args.prepare.split(",") if q])))
        return
    if args.one:
        print(json.dumps(run_one(args.one, args)))
        return

    import numpy as np

    names = args.configs.split(",")
    quants = [n.removeprefix("st-onnx-int8-") for n in names if n.startswith("st-onnx-int8-")]
    if unknown := set(quants) - set(QUANT):
        parser.error(f"unknown quantization configs {sorted(unknown)}; known: {QUANT}")
    common = ["--model", str(args.model), "--work", str(args.work), "-n", str(args.n)]
    common += ["--batch", str(args.batch)]
    if any(n.startswith("st-onnx") for n in names):
        command = [sys.executable, __file__, "--prepare", ",".join(quants), *common]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"export failed:\n{done.stderr.strip()}")
        print(json.dumps({"prepare": json.loads(done.stdout.strip().splitlines()[-1])}))
    names.sort(key=lambda n: n != "st-torch")  # the reference first
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            python = args.project_python if name.startswith("onnx-") else sys.executable
            out = f"{tmp}/{name}.npz"
            command = [python, __file__, "--one", name, "--out", out, *common]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                print(f"{name}: failed: {done.stderr.strip().splitlines()[-3:]}", flush=True)
                continue
            result = json.loads(lines[-1])
            vectors = dict(np.load(out))
            if name == "st-torch":
                reference = vectors
            if reference is not None:
                result.update(cosines(reference, vectors))
            print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
