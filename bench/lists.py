"""Which papers list answers name, without the chat model (retrieval and the cut only).

For every question of a set that the classifier sends to a list answer: multi-paper
questions give completeness (gold papers named, of at most answer.list_papers) and
precision (named papers that are gold or acceptable); unanswerable ones count as right
when nothing is listed. Five ways to choose run in the same command:

    list step       the default (answer/lists.py ListAnswers.papers): the topic cut on the
                    terms beside the topic's examples
    with facets     the same, then the facet check at answer.list_facet_share = 0.6
    topic cut       retrieval/relevance.py TopicCut on all the topic's terms, no facet check
    no key terms    that cut with key terms weightless and no papers found by them
    relevance cut   the summaries' cut (evidence floors + share of the best fused score)

    .venv/bin/python bench/lists.py [evals/dev.jsonl ...] [--set section.key=value]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer.kinds import classify  # noqa: E402
from assistant.answer.lists import ListAnswers  # noqa: E402
from assistant.config import load_settings, parse_overrides  # noqa: E402
from assistant.retrieval.relevance import RelevanceCut  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402


def named_ids(hits) -> set[str]:
    return {i for h in hits for i in (h.paper.paper_id, h.paper.arxiv_id) if i}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=["evals/dev.jsonl"])
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    settings = load_settings(parse_overrides(args.overrides))
    runtime = Runtime(settings)
    lists = ListAnswers(settings, runtime.retriever, notes=None)  # type: ignore[arg-type]
    facets = settings.model_copy(
        update={"answer": settings.answer.model_copy(update={"list_facet_share": 0.6})}
    )
    with_facets = ListAnswers(facets, runtime.retriever, notes=None)  # type: ignore[arg-type]
    cfg = settings.answer
    topic_cut = lists.cut()
    plain_cut = replace(topic_cut, key_weight=0.0, rare_share=0.0, min_key_coverage=2.0)
    relevance_cut = RelevanceCut(0.4, 0.5, 4.0, cfg.list_papers)

    questions = [
        json.loads(line)
        for name in args.sets
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    questions = [q for q in questions if classify(q["question"]).kind == "list"]
    scores: dict[str, dict[str, list[float]]] = {}
    for q in questions:
        pool = runtime.retriever.search(q["question"], k=cfg.list_pool)
        terms = runtime.retriever.topic_terms(q["question"])
        by_id = {h.paper.paper_id: h for h in pool}
        outcomes = {
            "list step": lists.papers(q["question"]).listed,
            "with facets": with_facets.papers(q["question"]).listed,
        }
        for label, cut in (("topic cut", topic_cut), ("no key terms", plain_cut)):
            chosen = cut.rank(pool, terms) if pool and cut.covered(pool, terms) else []
            extra = runtime.retriever.hits_for([p for p in chosen if p not in by_id], q["question"])
            found = {**by_id, **{h.paper.paper_id: h for h in extra}}
            outcomes[label] = [found[p] for p in chosen if p in found]
        outcomes["relevance cut"] = relevance_cut.apply(pool)
        gold, ok = set(q.get("gold") or []), set(q.get("acceptable") or [])
        line = [q["id"], q["type"][:11]]
        for label, listed in outcomes.items():
            row = scores.setdefault(label, {"complete": [], "precise": [], "silent": []})
            ids = named_ids(listed)
            if q["type"] == "unanswerable":
                row["silent"].append(float(not listed))
            elif gold:
                row["complete"].append(len(ids & gold) / min(len(gold), cfg.list_papers))
                row["precise"].append(len(ids & (gold | ok)) / len(listed) if listed else 0.0)
            line.append(f"{len(listed):2d} listed")
        print("  ".join(line), q["question"][:60])

    def mean(values: list[float]) -> str:
        return f"{sum(values) / len(values):.3f}" if values else "—"

    print(f"\n{len(questions)} list questions from {', '.join(args.sets)}")
    print(f"{'cut':<14} {'completeness':>12} {'precision':>10} {'unanswerable silent':>20}")
    for label, row in scores.items():
        silent = f"{int(sum(row['silent']))}/{len(row['silent'])}"
        print(f"{label:<14} {mean(row['complete']):>12} {mean(row['precise']):>10} {silent:>20}")


if __name__ == "__main__":
    main()
