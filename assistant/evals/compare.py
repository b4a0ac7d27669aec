"""Comparing two runs: metric deltas, and the questions that went from right to wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.errors import EvalSetError
from assistant.evals.report import METRICS, question_correct
from assistant.evals.runner import read_outputs


def _summary(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "summary.json"
    if not path.is_file():
        raise EvalSetError(
            f"{run_dir}: no summary.json here.",
            hint="Give two folders written by `assistant eval run ... --out DIR`.",
        )
    return json.loads(path.read_text(encoding="utf-8"))


def compare_runs(dir_a: Path, dir_b: Path) -> dict[str, Any]:
    """Deltas (B - A) for every overall metric, and per-question changes of correctness."""
    a, b = _summary(dir_a)["metrics"]["overall"], _summary(dir_b)["metrics"]["overall"]
    rows = []
    for key, label in METRICS:
        va, vb = a.get(key), b.get(key)
        if va is None and vb is None:
            continue
        delta = vb - va if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
        rows.append({"metric": label, "a": va, "b": vb, "delta": delta})
    by_id_a = {r["id"]: r for r in read_outputs(Path(dir_a))}
    by_id_b = {r["id"]: r for r in read_outputs(Path(dir_b))}
    worse, better = [], []
    for qid in sorted(by_id_a.keys() & by_id_b.keys()):
        before, after = question_correct(by_id_a[qid]), question_correct(by_id_b[qid])
        if before is None or after is None or before == after:
            continue
        entry = {"id": qid, "question": by_id_b[qid]["question"]}
        (better if after else worse).append(entry)
    return {"metrics": rows, "right_to_wrong": worse, "wrong_to_right": better}


def compare_markdown(result: dict[str, Any]) -> str:
    def fmt(value: Any) -> str:
        if value is None:
            return "—"
        return f"{value:+.3f}" if isinstance(value, float) else str(value)

    lines = ["| metric | A | B | B − A |", "|---|---|---|---|"]
    for row in result["metrics"]:
        a = "—" if row["a"] is None else f"{row['a']:.3f}"
        b = "—" if row["b"] is None else f"{row['b']:.3f}"
        lines.append(f"| {row['metric']} | {a} | {b} | {fmt(row['delta'])} |")
    for title, key in (("Right → wrong", "right_to_wrong"), ("Wrong → right", "wrong_to_right")):
        lines += ["", f"{title} ({len(result[key])}):"]
        lines += [f"- {e['id']}: {e['question']}" for e in result[key]] or ["- none"]
    return "\n".join(lines)
