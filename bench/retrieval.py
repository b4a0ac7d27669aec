"""Retrieval quality and speed on the development question set, in one command.

For every answerable question of the set (conversational ones are searched as the last
user turn plus the follow-up, the chain's no-model stand-in for condensing), the dense and
BM25 candidates are fetched once and ranked four ways: BM25 only, dense only, hybrid (the
configured fusion) and hybrid + rerank (the chat model as a yes/no judge, within its time
budget). Prints recall@5, recall@10 and MRR@10 overall, by language and by type, and the
p50/p95 latency of a full search (query embedding included, model loaded) and of rerank.
With --variants it also compares fusion methods and weights on the same candidates; with
--baseline-set KEY=VALUE (repeatable) it opens a second retriever with those settings
changed (e.g. embedder.onnx_precision=float32 and paths.vectorstore=<an index built so>)
and runs both on every question in alternating order: hybrid quality, search latency and
the latency ratio.

Needs an index built with the same settings (`assistant ingest`). CPU-heavy: run it as
    flock /tmp/cpu-heavy.lock .venv/bin/python bench/retrieval.py [--no-rerank] [--variants]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer.chain import standalone_without_model  # noqa: E402
from assistant.config import load_settings, parse_overrides  # noqa: E402
from assistant.evals.metrics import percentile, recall_at, reciprocal_rank  # noqa: E402
from assistant.evals.questions import load_question_set  # noqa: E402
from assistant.retrieval.fusion import FusionParams, fuse  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402

METHODS = ("bm25", "dense", "hybrid", "hybrid+rerank")


def ranked_ids(dense, lexical, params: FusionParams) -> list[str]:
    return [f.paper_id for f in fuse(dense, lexical, params)][:10]


def scores(rows: list[tuple[object, list[str]]]) -> tuple[float, float, float, int]:
    """(recall@5, recall@10, MRR@10, n) over (question, ranking) rows."""
    r5 = [recall_at(ids, q.gold, 5) for q, ids in rows]
    r10 = [recall_at(ids, q.gold, 10) for q, ids in rows]
    rr = [reciprocal_rank(ids, q.gold, 10) for q, ids in rows]
    n = len(rows)
    return sum(r5) / n, sum(r10) / n, sum(rr) / n, n


def print_table(title: str, results: dict[str, list[tuple[object, list[str]]]]) -> None:
    groups: dict[str, list[int]] = defaultdict(list)
    any_rows = next(iter(results.values()))
    for i, (q, _) in enumerate(any_rows):
        groups["all"].append(i)
        groups[f"lang={q.lang}"].append(i)
        groups[f"type={q.type}"].append(i)
    print(f"\n{title}")
    header = f"{'':24}" + "".join(f"{m:>24}" for m in results)
    print(header)
    print(f"{'':24}" + "".join(f"{'R@5   R@10  MRR@10':>24}" for _ in results))
    for name in sorted(groups, key=lambda g: (g != "all", g)):
        idx = groups[name]
        line = f"{name + f' (n={len(idx)})':24}"
        for rows in results.values():
            r5, r10, mrr, _ = scores([rows[i] for i in idx])
            line += f"{r5:>12.3f}{r10:>6.3f}{mrr:>6.3f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "dev.jsonl")
    parser.add_argument("--no-rerank", action="store_true", help="Skip hybrid + rerank.")
    parser.add_argument("--variants", action="store_true", help="Compare fusion variants.")
    parser.add_argument(
        "--baseline-set", action="append", default=[], help="Settings of a baseline retriever."
    )
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()

    settings = load_settings(parse_overrides(args.overrides))
    questions, issues = load_question_set(args.questions)
    for issue in issues:
        print(issue, file=sys.stderr)
    questions = [q for q in questions if q.answerable]
    print(f"questions: {len(questions)} answerable of {args.questions}")

    started = time.perf_counter()
    runtime = Runtime(settings)
    retriever = runtime.retriever
    print(f"open (embedder load, BM25 view): {time.perf_counter() - started:.1f} s")
    params = retriever.fusion_params()
    print(
        f"settings: fusion={params.method} dense_weight={params.dense_weight} "
        f"rrf_k={params.rrf_k} candidates={settings.retrieval.candidates} "
        f"chunk_tokens={settings.index.chunk_tokens} "
        f"zh_fields_per_chunk={settings.index.zh_fields_per_chunk} "
        f"stem_english={settings.index.stem_english} embedder={settings.embedder.backend}"
    )

    def query_of(q) -> str:
        return standalone_without_model(q.question, q.history) if q.history else q.question

    retriever.search("warm-up query 预热", k=10)  # the first query pays lazy loads
    candidates = {}
    latency = []
    for q in questions:
        # search() is candidates() then rank(): timed as such, each query embedded once.
        t0 = time.perf_counter()
        candidates[q.id] = retriever.candidates(query_of(q))
        retriever.rank(candidates[q.id], 10)
        latency.append(time.perf_counter() - t0)

    results: dict[str, list] = {m: [] for m in METHODS}
    for q in questions:
        c = candidates[q.id]
        results["bm25"].append((q, ranked_ids([], c.lexical, params)))
        results["dense"].append((q, ranked_ids(c.dense, [], params)))
        results["hybrid"].append((q, ranked_ids(c.dense, c.lexical, params)))

    rerank_latency = []
    if args.no_rerank:
        del results["hybrid+rerank"]
    else:
        from assistant.retrieval.rerank import rerank

        t0 = time.perf_counter()
        judge = runtime.chat_model
        print(f"chat model for rerank loaded in {time.perf_counter() - t0:.1f} s")
        counter = runtime.counter
        width = max(10, settings.retrieval.rerank_candidates)
        for q in questions:
            hits = retriever.rank(candidates[q.id], width)
            t0 = time.perf_counter()
            hits = rerank(
                query_of(q),
                hits,
                chat_model=judge,
                prompts_dir=settings.paths.prompts,
                candidates=settings.retrieval.rerank_candidates,
                budget_s=settings.retrieval.rerank_budget_s,
                truncate=counter.truncate,
            )
            rerank_latency.append(time.perf_counter() - t0)
            results["hybrid+rerank"].append((q, [h.paper.paper_id for h in hits][:10]))

    print_table("quality (answerable questions)", results)
    print(
        f"\nsearch latency without rerank (embed + dense + BM25 + fusion + catalog), "
        f"{len(latency)} queries: p50 {percentile(latency, 50) * 1000:.0f} ms, "
        f"p95 {percentile(latency, 95) * 1000:.0f} ms"
    )
    stages = defaultdict(list)
    for c in candidates.values():
        for stage, seconds in c.seconds.items():
            stages[stage].append(seconds)
    print(
        "  stages p50: "
        + ", ".join(f"{s} {percentile(v, 50) * 1000:.1f} ms" for s, v in stages.items())
    )
    if rerank_latency:
        print(
            f"rerank ({settings.retrieval.rerank_candidates} candidates, budget "
            f"{settings.retrieval.rerank_budget_s:g} s): p50 "
            f"{percentile(rerank_latency, 50):.1f} s, p95 {percentile(rerank_latency, 95):.1f} s"
        )

    if args.variants:
        variants = {"plain rrf k=60": FusionParams("rrf", 0.5, 60)}
        for w in (0.5, 0.6, 0.7, 0.8, 0.9):
            for k in (10, 60):
                variants[f"weighted-rrf w={w} k={k}"] = FusionParams("weighted-rrf", w, k)
        for w in (0.5, 0.6, 0.7, 0.8):
            variants[f"scores w={w}"] = FusionParams("scores", w)
        print("\nfusion variants on the same candidates: overall and cross-lingual")
        print(f"{'':28}{'R@5':>7}{'R@10':>7}{'MRR':>7}   {'xl R@5':>7}{'xl MRR':>7}")
        for name, p in variants.items():
            rows = [(q, ranked_ids(candidates[q.id].dense, candidates[q.id].lexical, p))
                    for q in questions]  # fmt: skip
            r5, r10, mrr, _ = scores(rows)
            xl = [row for row in rows if row[0].type == "cross-lingual"]
            x5, _, xmrr, _ = scores(xl)
            print(f"{name:28}{r5:>7.3f}{r10:>7.3f}{mrr:>7.3f}   {x5:>7.3f}{xmrr:>7.3f}")
    if args.baseline_set:
        changed = parse_overrides(args.overrides + args.baseline_set)
        with Runtime(load_settings(changed)) as other:
            compare({"configured": retriever, "baseline": other.retriever}, questions, query_of)
    runtime.close()


def compare(retrievers: dict, questions, query_of) -> None:
    """Hybrid quality and search latency of each retriever, questions in alternating order."""
    names = list(retrievers)
    for r in retrievers.values():
        r.search("warm-up query 预热", k=10)
        r.forget_query_vectors()  # the main pass embedded these questions already
    rows = {n: [] for n in names}
    latency = {n: [] for n in names}
    embed = {n: [] for n in names}
    for i, q in enumerate(questions):
        for name in names if i % 2 == 0 else names[::-1]:
            t0 = time.perf_counter()
            c = retrievers[name].candidates(query_of(q))
            hits = retrievers[name].rank(c, 10)
            latency[name].append(time.perf_counter() - t0)
            embed[name].append(c.seconds["embed"])
            rows[name].append((q, [h.paper.paper_id for h in hits]))
    print("\nconfigured vs baseline, questions in alternating order")
    print(f"{'':12}{'R@5':>7}{'R@10':>7}{'MRR':>7}{'xl R@5':>8}"
          f"{'search p50':>12}{'p95':>6}{'embed p50':>11}{'p95':>6}")  # fmt: skip
    for name in names:
        r5, r10, mrr, _ = scores(rows[name])
        x5, _, _, _ = scores([r for r in rows[name] if r[0].type == "cross-lingual"])
        ms = [percentile(v, pct) * 1000 for v in (latency[name], embed[name])
              for pct in (50, 95)]  # fmt: skip
        print(f"{name:12}{r5:>7.3f}{r10:>7.3f}{mrr:>7.3f}{x5:>8.3f}"
              f"{ms[0]:>12.0f}{ms[1]:>6.0f}{ms[2]:>11.0f}{ms[3]:>6.0f}")  # fmt: skip
    ratio = [
        percentile(latency["configured"], pct) / percentile(latency["baseline"], pct)
        for pct in (50, 95)
    ]
    print(f"configured / baseline search latency: p50 {ratio[0]:.2f}, p95 {ratio[1]:.2f}")


if __name__ == "__main__":
    main()
