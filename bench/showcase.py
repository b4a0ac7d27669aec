"""The product's own example questions, answered on the configured (default: local) models,
each printed with its citations and a pass/fail verdict.

The examples and what a right answer names and cites are in bench/data/showcase.json (the
web chat's example buttons and the README's examples). An answer passes when it does not
abstain, has no empty slot where a name belongs, names and cites its gold papers (a list
answer: at least `min_named` papers, every one of them gold or acceptable), cites nothing
else, and contains one of its facts when the example lists facts.

    flock /tmp/cpu-heavy.lock .venv/bin/python bench/showcase.py [--set k=v ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings, parse_overrides  # noqa: E402
from assistant.evals.metrics import has_empty_name_slot, names_a_paper  # noqa: E402
from assistant.runtime import Runtime, backend_label  # noqa: E402


def verdict(example: dict, result, names: dict[str, str]) -> list[str]:
    """What is wrong with an answer (empty: it passes)."""
    problems = []
    if result.abstained:
        return ["abstained"]
    if has_empty_name_slot(result.answer):
        problems.append("empty name slot")
    cited = {c.paper.paper_id for c in result.citations}
    allowed = set(example["gold"]) | set(example.get("acceptable", []))
    if cited - allowed:
        problems.append(f"cites other papers: {sorted(cited - allowed)}")
    if example["kind"] == "list":
        named = [pid for pid in allowed if names_a_paper(result.answer, [names[pid]])]
        if len(named) < example.get("min_named", 1):
            problems.append(f"names {len(named)} papers of the topic")
    else:
        for pid in example["gold"]:
            if pid not in cited:
                problems.append(f"does not cite {names[pid]}")
            if not names_a_paper(result.answer, [names[pid]]):
                problems.append(f"does not name {names[pid]}")
    facts = example.get("facts") or []
    if facts and not any(f.casefold() in result.answer.casefold() for f in facts):
        problems.append(f"none of the facts {facts}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    settings = load_settings(parse_overrides(args.overrides))
    examples = json.loads((ROOT / "bench" / "data" / "showcase.json").read_text())["examples"]
    print(backend_label(settings))
    passed = 0
    with Runtime(settings, model_progress=False) as runtime:
        ids = {pid for e in examples for pid in [*e["gold"], *e.get("acceptable", [])]}
        names = {pid: p.display_name for pid in ids if (p := runtime.retriever.paper(pid))}
        for example in examples:
            started = time.perf_counter()
            result = runtime.service.answer(
                example["question"], history=example.get("history") or []
            )
            seconds = time.perf_counter() - started
            problems = verdict(example, result, names)
            passed += not problems
            print(
                f"\n{'PASS' if not problems else 'FAIL'}  {example['question']}  ({seconds:.1f} s)"
            )
            print(f"  {result.answer}")
            for c in result.citations:
                print(f"  [{c.number}] {c.paper.display_name} ({c.paper.paper_id})")
            for problem in problems:
                print(f"  - {problem}")
    print(f"\n{passed}/{len(examples)} examples pass.")


if __name__ == "__main__":
    main()
