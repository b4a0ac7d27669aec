"""Metrics over a run's outputs, overall / by type / by language, and the report files."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from assistant.evals import metrics as m

METRICS = (
    ("recall@5", "Recall@5"),
    ("recall@10", "Recall@10"),
    ("mrr@10", "MRR@10"),
    ("citation_precision", "Citation precision"),
    ("citation_recall", "Citation recall"),
    ("removed_citations", "Removed citations"),
    ("abstention_on_unanswerable", "Abstention on unanswerables"),
    ("false_abstention", "False abstention"),
    ("fact_coverage", "Answer-fact coverage"),
    ("language_match", "Answer-language match"),
    ("empty_name_slots", "Answers with an empty name slot"),
    ("list_completeness", "List completeness"),
    ("list_precision", "List precision"),
    ("names_gold", "Which-paper answers naming the gold paper"),
    ("near_miss_ok", "Near misses: abstained or partial"),
    ("faithfulness", "Faithfulness (judge)"),
    ("retrieval_p50_s", "Retrieval p50 (s)"),
    ("retrieval_p95_s", "Retrieval p95 (s)"),
    ("ttft_p50_s", "Time to first token p50 (s)"),
    ("ttft_p95_s", "Time to first token p95 (s)"),
    ("total_p50_s", "Total p50 (s)"),
    ("total_p95_s", "Total p95 (s)"),
)


# Questions whose answer must name the paper: "which paper ...?", and the cross-lingual ones.
NAMING_TYPES = ("which-paper", "cross-lingual")


def _ids(refs: Iterable[dict[str, Any]]) -> list[str]:
    return [r["paper_id"] for r in refs]


def question_correct(record: dict[str, Any]) -> bool | None:
    """Right or wrong for compare: answers judged on abstention and citations, else recall@5."""
    gold = record.get("gold") or []
    if record.get("error"):
        return False
    if record.get("answer"):
        if not gold:
            return bool(record.get("abstained"))
        return not record.get("abstained") and bool(set(_ids(record["cited"])) & set(gold))
    if not gold:
        return None
    return bool(m.recall_at(_ids(record["retrieved"]), gold, 5))


def summarize(records: Sequence[dict[str, Any]], facts: dict[str, list[str]]) -> dict[str, Any]:
    """All metrics over a group of output records (facts: question id -> answer_facts)."""
    ok = [r for r in records if not r.get("error")]
    answerable = [r for r in ok if r.get("gold")]
    unanswerable = [r for r in ok if not r.get("gold")]
    answered = [r for r in ok if r.get("answer")]  # an LLM ran (not retrieval-only)
    out: dict[str, Any] = {"questions": len(records), "errors": len(records) - len(ok)}
    out["recall@5"] = m.mean([m.recall_at(_ids(r["retrieved"]), r["gold"], 5) for r in answerable])
    out["recall@10"] = m.mean(
        [m.recall_at(_ids(r["retrieved"]), r["gold"], 10) for r in answerable]
    )
    out["mrr@10"] = m.mean([m.reciprocal_rank(_ids(r["retrieved"]), r["gold"]) for r in answerable])
    if answered:
        counts = [
            m.citation_counts(_ids(r["cited"]), r["gold"], r.get("acceptable", []))
            for r in answered
            if r["gold"]
        ]
        cited = sum(total for _, total in counts)
        out["citation_precision"] = (sum(good for good, _ in counts) / cited) if cited else None
        out["citation_recall"] = m.mean(
            [m.citation_recall(_ids(r["cited"]), r["gold"]) for r in answered if r["gold"]]
        )
        out["removed_citations"] = sum(r.get("removed_citations", 0) for r in answered)
        ans_un = [r for r in answered if not r["gold"]]
        ans_ok = [r for r in answered if r["gold"]]
        out["abstention_on_unanswerable"] = (
            sum(bool(r["abstained"]) for r in ans_un) / len(ans_un) if ans_un else None
        )
        out["false_abstention"] = (
            sum(bool(r["abstained"]) for r in ans_ok) / len(ans_ok) if ans_ok else None
        )
        out["fact_coverage"] = m.mean(
            [
                m.fact_coverage(r["answer"], facts.get(r["id"], []))
                for r in ans_ok
                if not r["abstained"]
            ]
        )
        out["language_match"] = m.mean(
            [float(r.get("answer_language") == r["lang"]) for r in answered]
        )
        out["faithfulness"] = m.mean([r.get("faithfulness") for r in answered])
        out["ungrounded_numbers_flagged"] = sum(
            1 for r in answered for f in r.get("flags", []) if f["kind"] == "ungrounded_number"
        )
        shown = [r for r in answered if not r["abstained"]]
        out["empty_name_slots"] = sum(m.has_empty_name_slot(r["answer"]) for r in shown)
        naming = [r for r in shown if r.get("type") in NAMING_TYPES and r.get("gold_names")]
        out["names_gold"] = (
            m.mean([float(m.names_a_paper(r["answer"], r["gold_names"])) for r in naming])
            if naming
            else None
        )
        lists = [r for r in answered if r.get("type") == "multi-paper" and r["gold"]]
        out["list_completeness"] = m.mean(
            [m.list_completeness(_ids(r["cited"]), r["gold"]) for r in lists]
        )
        out["list_precision"] = m.mean(
            [
                m.list_precision(_ids(r["cited"]), r["gold"], r.get("acceptable", []))
                for r in lists
                if r["cited"]
            ]
        )
        near = [r for r in answered if r.get("near_miss")]
        out["near_miss_ok"] = (
            m.mean([float(r["abstained"] or bool(r.get("partial"))) for r in near])
            if near
            else None
        )
    for name, key in (("retrieval", "retrieval_s"), ("ttft", "ttft_s"), ("total", "total_s")):
        values = [r["timings"][key] for r in ok if key in r.get("timings", {})]
        out[f"{name}_p50_s"] = m.percentile(values, 50)
        out[f"{name}_p95_s"] = m.percentile(values, 95)
    out["unanswerable_questions"] = len(unanswerable)
    return out


def full_summary(
    records: Sequence[dict[str, Any]], facts: dict[str, list[str]], run_info: dict[str, Any]
) -> dict[str, Any]:
    """Overall, by type and by language, with what the run used."""
    groups: dict[str, dict[str, Any]] = {"overall": summarize(records, facts)}
    for field in ("type", "lang"):
        for value in sorted({str(r.get(field)) for r in records}):
            subset = [r for r in records if str(r.get(field)) == value]
            groups[f"{field}={value}"] = summarize(subset, facts)
    return {"run": run_info, "metrics": groups}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def markdown_report(summary: dict[str, Any]) -> str:
    groups = summary["metrics"]
    names = list(groups)
    lines = ["# Evaluation report", ""]
    run = summary["run"]
    lines += [
        f"- question set: `{run.get('question_set')}` ({groups['overall']['questions']} questions,"
        f" {groups['overall']['errors']} errors)",
        f"- mode: {run.get('mode')}",
        f"- chat model: {run.get('chat_model')}",
        f"- embedder: {run.get('embedder')}",
        f"- assistant version: {run.get('version')}",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, label in METRICS:
        if all(groups[n].get(key) is None for n in names):
            continue
        lines.append(f"| {label} | " + " | ".join(_fmt(groups[n].get(key)) for n in names) + " |")
    lines += [
        "",
        "Settings used:",
        "",
        "```json",
        json.dumps(run.get("settings"), indent=2, ensure_ascii=False),
        "```",
        "",
    ]
    return "\n".join(lines)


def html_plot(summary: dict[str, Any]) -> str:
    """A self-contained HTML page with bar charts of the rate metrics per group (inline SVG)."""
    groups = summary["metrics"]
    charts = []
    for key, label in METRICS:
        values = [(name, groups[name].get(key)) for name in groups]
        if key.endswith("_s") or key == "removed_citations" or all(v is None for _, v in values):
            continue
        bars = []
        for i, (name, value) in enumerate(values):
            width = 0 if value is None else max(0.0, min(1.0, value)) * 300
            y = 22 * i
            bars.append(
                f'<text x="0" y="{y + 15}" font-size="12">{html.escape(name)}</text>'
                f'<rect x="170" y="{y + 4}" width="{width:.1f}" height="14" fill="#e8590c"/>'
                f'<text x="{175 + width:.1f}" y="{y + 15}" font-size="12">{_fmt(value)}</text>'
            )
        height = 22 * len(values) + 6
        charts.append(
            f"<h3>{html.escape(label)}</h3><svg width='560' height='{height}'>{''.join(bars)}</svg>"
        )
    return (
        "<!doctype html><meta charset='utf-8'><title>Evaluation report</title>"
        "<body style='font-family:sans-serif'><h1>Evaluation report</h1>"
        + "".join(charts)
        + "</body>"
    )


def write_report(out_dir: Path, summary: dict[str, Any]) -> None:
    out_dir = Path(out_dir)
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (out_dir / "report.md").write_text(markdown_report(summary), encoding="utf-8")
    (out_dir / "report.html").write_text(html_plot(summary), encoding="utf-8")
