"""Topic summaries on the configured (default: local) models, five topics of the dev set.

Prints per topic and overall: seconds per report, papers covered against the papers that
retrieval found relevant (and against the topic's gold papers in evals/dev.jsonl),
citations removed by post-processing (invented keys; 0 is the target after it), and the
share of the report's sentences (overview and notes) that carry a citation.

The index must exist (`assistant ingest`). CPU-heavy: run as
    flock /tmp/cpu-heavy.lock .venv/bin/python bench/summaries.py [--set k=v ...]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings, parse_overrides  # noqa: E402
from assistant.evals.questions import load_question_set  # noqa: E402
from assistant.present.markdown import report_markdown  # noqa: E402
from assistant.runtime import Runtime, backend_label  # noqa: E402
from assistant.text.sentences import split_sentences  # noqa: E402

# Multi-paper questions of the dev set, as topics (id of the question: topic).
TOPICS = {
    "q059": "multi-head latent attention (MLA) as in DeepSeek models",
    "q103": "Muon 优化器及其内存开销",
    "q107": "LLMs applied to finance",
    "q108": "基础模型用于心电图、脑电图等生理信号",
    "q109": "LLMs with binary (1-bit) weights",
}


def cited_share(report) -> float:
    """Share of the overview's and notes' sentences that carry a [n] citation."""
    sentences = split_sentences(report.overview, markers=True)
    cited = sum(1 for s in sentences if re.search(r"\[\d+\]", s))
    # Each note is printed with its paper's citation: its sentences all count as cited.
    for entry in report.entries:
        note_sentences = split_sentences(entry.note) or [entry.note]
        sentences += note_sentences
        cited += len(note_sentences)
    return cited / len(sentences) if sentences else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--out", type=Path, default=None, help="Folder for the Markdown reports.")
    args = parser.parse_args()
    settings = load_settings(parse_overrides(args.overrides))
    questions = {q.id: q for q in load_question_set(ROOT / "evals" / "dev.jsonl")[0]}
    runtime = Runtime(settings)
    print(f"backend: {backend_label(settings)}")
    totals = {
        "seconds": 0.0,
        "removed": 0,
        "invented_left": 0,
        "share": 0.0,
        "covered": 0,
        "gold_hit": 0,
        "gold": 0,
    }
    for qid, topic in TOPICS.items():
        started = time.perf_counter()
        report = runtime.summarizer.summarize(topic)
        seconds = time.perf_counter() - started
        covered = {e.paper.paper_id for e in report.entries}
        gold = set(questions[qid].gold) if qid in questions else set()
        share = cited_share(report)
        extractive = sum(e.extractive for e in report.entries)
        numbers = {e.number for e in report.entries}
        shown = re.findall(r"\[(\d+)\]", report.overview)
        totals["invented_left"] += sum(1 for n in shown if int(n) not in numbers)
        print(
            f"{topic[:48]:<48} {seconds:6.1f} s | {len(covered)} papers covered of "
            f"{report.papers_found} retrieved (kept as relevant: {len(covered)}) | gold "
            f"{len(gold & covered)}/{len(gold)} | removed citations {report.removed_citations}"
            f" | cited sentences {share:.2f} | notes kept from the paper's text {extractive}"
        )
        totals["seconds"] += seconds
        totals["removed"] += report.removed_citations
        totals["share"] += share
        totals["gold_hit"] += len(gold & covered)
        totals["gold"] += len(gold)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{qid}.md").write_text(report_markdown(report), encoding="utf-8")
    n = len(TOPICS)
    print(
        f"\nmean {totals['seconds'] / n:.1f} s per report; removed citations {totals['removed']} "
        f"by post-processing; [n] in the reports that name no listed paper: "
        f"{totals['invented_left']}; cited sentences "
        f"{totals['share'] / n:.2f}; gold papers covered {totals['gold_hit']}/{totals['gold']}"
    )
    runtime.close()


if __name__ == "__main__":
    main()
