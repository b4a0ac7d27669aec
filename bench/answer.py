"""Answer quality and speed on dev-set questions with the configured (default: local) model.

Prints, over N questions drawn evenly from evals/dev.jsonl (every type, both languages):
time to first token p50/p95, total time, decode tokens/s, and the ratio of our time to
first token to the model's own time to first token for the very same prompt (the prompt
replayed straight to the model with the same cache state: the previous prompt in the KV
cache), so the figure shows what retrieval, condensing and prompt building add. Then
citation precision and recall, removed citations, ungrounded numbers, abstention and false
abstention, answer-fact coverage and language match.

The index must exist (`assistant ingest`). CPU-heavy: run as
    flock /tmp/cpu-heavy.lock .venv/bin/python bench/answer.py [-n 20] [--set k=v ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from langchain_core.prompts import ChatPromptTemplate  # noqa: E402

from assistant.answer.context import render_sources  # noqa: E402
from assistant.answer.result import ABSTAIN_PHRASES  # noqa: E402
from assistant.config import load_settings, parse_overrides  # noqa: E402
from assistant.evals.metrics import percentile  # noqa: E402
from assistant.evals.questions import load_question_set  # noqa: E402
from assistant.evals.report import summarize  # noqa: E402
from assistant.evals.runner import run_question  # noqa: E402
from assistant.runtime import Runtime, backend_label  # noqa: E402


def spread(questions: list, n: int) -> list:
    """n questions taken evenly across the set, after grouping by type and language."""
    ordered = sorted(questions, key=lambda q: (q.type, q.lang, q.id))
    step = max(1, len(ordered) // n)
    return ordered[::step][:n]


def model_ttft(service, question: str, sources, lang: str) -> float:
    """The chat model's own time to first token for the prompt the chain built."""
    prompts = service._prompt[lang]
    prompt = ChatPromptTemplate.from_messages(
        [("system", prompts["system"]), ("human", prompts["user"])]
    ).partial(abstain_phrase=ABSTAIN_PHRASES[lang])
    messages = prompt.format_messages(context=render_sources(sources), question=question)
    started = time.perf_counter()
    for chunk in service.chat_model.stream(messages):
        if chunk.content:
            return time.perf_counter() - started
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=20, help="Questions to run.")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "dev.jsonl")
    parser.add_argument("--out", type=Path, default=None, help="Also write the records here.")
    args = parser.parse_args()
    settings = load_settings(parse_overrides(args.overrides))
    questions, _ = load_question_set(args.questions)
    chosen = spread(questions, args.n)
    facts = {q.id: q.answer_facts for q in chosen}

    started = time.perf_counter()
    runtime = Runtime(settings)
    print(f"backend: {backend_label(settings)}; ready in {time.perf_counter() - started:.1f} s")
    service = runtime.service
    service.answer("warm-up: what is test-time scaling?")  # model load, prefix cache

    records, ratios, decode_rates = [], [], []
    previous = None  # (question, sources, lang) of the last answered prompt
    for n, question in enumerate(chosen, start=1):
        record = run_question(service, question, retrieval_only=False)
        records.append(record)
        result_sources = service_last_sources(service, record)
        timings = record.get("timings", {})
        line = f"[{n:2}/{len(chosen)}] {question.id} {question.type:<14} {question.lang}"
        if record.get("error"):
            print(f"{line} error: {record['error']}")
            continue
        if result_sources and "ttft_s" in timings:
            # Same cache state as the chain had: the previous prompt, then this one.
            if previous is not None:
                model_ttft(service, *previous)
            own = model_ttft(service, question.question, result_sources, question.lang)
            ratios.append(timings["ttft_s"] / own if own else float("nan"))
            previous = (question.question, result_sources, question.lang)
        counter = getattr(service.chat_model, "get_num_tokens", None)
        if timings.get("generation_s") and record["answer"] and counter:
            decode_rates.append(counter(record["answer"]) / timings["generation_s"])
        print(
            f"{line} ttft {timings.get('ttft_s', 0):5.2f} s total {timings.get('total_s', 0):5.2f}"
            f" s abstained={record['abstained']} cited={[c['paper_id'] for c in record['cited']]}"
        )

    ok = [r for r in records if not r.get("error")]
    ttft = [r["timings"]["ttft_s"] for r in ok if "ttft_s" in r["timings"]]
    total = [r["timings"]["total_s"] for r in ok if "total_s" in r["timings"]]
    summary = summarize(records, facts)
    print("\n== speed ==")
    print(f"questions: {len(records)} ({len(records) - len(ok)} errors)")
    print(f"time to first token p50 {percentile(ttft, 50):.2f} s, p95 {percentile(ttft, 95):.2f} s")
    print(f"total p50 {percentile(total, 50):.2f} s, p95 {percentile(total, 95):.2f} s")
    if decode_rates:
        print(f"decode ~{percentile(decode_rates, 50):.1f} tokens/s (median, answer tokens)")
    if ratios:
        print(
            f"ttft ours / model's own for the same prompt: median {percentile(ratios, 50):.2f}, "
            f"p95 {percentile(ratios, 95):.2f} (target <= 1.15)"
        )
    print("\n== quality ==")
    for key in (
        "citation_precision",
        "citation_recall",
        "removed_citations",
        "ungrounded_numbers_flagged",
        "abstention_on_unanswerable",
        "false_abstention",
        "fact_coverage",
        "language_match",
        "recall@5",
    ):
        value = summary.get(key)
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    unflagged = sum(unflagged_numbers(r) for r in ok)
    print(f"ungrounded numbers shown without a flag: {unflagged} (target 0)")
    if args.out:
        args.out.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    runtime.close()


def unflagged_numbers(record: dict) -> int:
    """Numbers in the shown answer that no source it read contains and no ⚠ note names."""
    import re

    from assistant.text.numbers import is_stated, numbers

    answer = record.get("answer") or ""
    notes = " ".join(re.findall(r"[（(]⚠[^）)]*[）)]", answer))
    body = re.sub(r"[（(]⚠[^）)]*[）)]|\[\d+\]", "", answer)
    pool = [n for c in record.get("context", []) for n in numbers(c["text"])]
    return sum(1 for n in numbers(body) if not is_stated(n, pool) and n.written not in notes)


def service_last_sources(service, record):
    """The sources the chain used for this record (kept on the record's context)."""
    if not record.get("context"):
        return []
    from assistant.answer.result import Source

    by_id = {
        p.paper_id: p
        for p in (service.retriever.paper(c["paper_id"]) for c in record["context"])
        if p
    }
    return [Source(c["key"], by_id[c["paper_id"]], c["text"]) for c in record["context"]]


if __name__ == "__main__":
    main()
