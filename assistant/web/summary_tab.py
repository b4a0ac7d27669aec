"""The "Topic summary" tab: a cited report on a topic, with progress and a download."""

from __future__ import annotations

import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.gate import ModelGate
from assistant.present.markdown import escape_markdown, report_markdown
from assistant.web.chat import MODEL_GROUP

STAGES = {
    "retrieving": "Finding papers",
    "notes": "Reading papers",
    "themes": "Grouping themes",
    "overview": "Writing the overview",
}

Update = tuple[str, str, Any]  # (status, report, download file)


class Abandoned(Exception):
    """Raised inside a summary whose page went away: its work stops at the next step."""


class SummaryHandlers:
    """Runs a summary in a worker thread and reports its progress as it goes."""

    def __init__(
        self,
        summarizer: Any,
        make_filters: Callable[[list[str]], Any],
        gate: ModelGate | None = None,
    ) -> None:
        self.summarizer = summarizer
        self.make_filters = make_filters
        self.gate = gate  # shared with the chat and the HTTP API
        self.folder = Path(tempfile.mkdtemp(prefix="digest-reports-"))
        self.workers: list[threading.Thread] = []  # one per summary, for tests to join

    def run(
        self,
        topic: str,
        categories: list[str] | None,
        max_papers: float | None,
        language: str | None,
    ) -> Iterator[Update]:
        topic = (topic or "").strip()
        if not topic:
            yield "Enter a topic first.", "", None
            return
        events: queue.Queue = queue.Queue()
        outcome: dict[str, Any] = {}
        abandoned = threading.Event()

        def progress(stage: str, done: int, total: int) -> None:
            if abandoned.is_set():
                raise Abandoned  # the page left or the time limit passed: stop the model
            events.put((stage, done, total))

        def work() -> None:
            try:
                with self.gate.slot() if self.gate is not None else nullcontext():
                    outcome["report"] = self.summarizer.summarize(
                        topic[:300],
                        filters=self.make_filters(list(categories or [])),
                        max_papers=int(max_papers) if max_papers else None,
                        language=None if language in (None, "auto") else language,
                        progress=progress,
                    )
            except Abandoned:
                outcome["error"] = "abandoned"
            except AssistantError as exc:
                outcome["error"] = str(exc)
            except Exception as exc:  # the tab must stay usable whatever happens
                outcome["error"] = f"{type(exc).__name__}: {exc}"
            finally:
                events.put(None)

        self.workers.append(threading.Thread(target=work, daemon=True))
        self.workers[-1].start()
        try:
            while (event := events.get()) is not None:
                stage, done, total = event
                count = f" {done}/{total}" if total > 1 else ""
                yield f"⏳ {STAGES.get(stage, stage)}…{count}", "", None
        finally:
            abandoned.set()  # a generator closed early (page gone, time limit) stops its work
        if "error" in outcome:
            yield f"⚠️ {escape_markdown(outcome['error'])}", "", None
            return
        report = outcome["report"]
        slug = re.sub(r"[^\w\-]+", "-", topic)[:40].strip("-") or "topic"
        path = self.folder / f"summary-{slug}.md"
        path.write_text(report_markdown(report), encoding="utf-8")
        seconds = report.timings.get("total_s", 0.0)
        status = f"✅ {len(report.entries)} paper(s), {seconds:.1f} s."
        yield status, report_markdown(report, level=3), str(path)


def summary_tab(
    summarizer: Any,
    categories: Sequence[str],
    make_filters: Callable[[list[str]], Any],
    *,
    concurrency: int,
    time_limit_s: float,
    gate: ModelGate | None = None,
) -> None:
    """Add the tab to the Blocks being built."""
    handlers = SummaryHandlers(summarizer, make_filters, gate)
    with gr.Tab("Topic summary"):
        with gr.Row():
            topic = gr.Textbox(
                label="Topic",
                placeholder="e.g. speculative decoding / KV cache 压缩",
                scale=4,
                elem_id="summary-topic",
            )
            run = gr.Button("Summarize", variant="primary", scale=1, elem_id="summarize")
        with gr.Row():
            category = gr.Dropdown(
                list(categories), multiselect=True, label="Only these categories"
            )
            max_papers = gr.Slider(2, 20, value=8, step=1, label="Most papers")
            language = gr.Radio(["auto", "zh", "en"], value="auto", label="Language")
        status = gr.Markdown("", elem_id="summary-status")
        report = gr.Markdown("", elem_id="summary-report")
        download = gr.DownloadButton("Download Markdown", elem_id="summary-download")
        gr.on(
            [run.click, topic.submit],
            handlers.run,
            [topic, category, max_papers, language],
            [status, report, download],
            api_name="summarize",
            concurrency_id=MODEL_GROUP,
            concurrency_limit=concurrency,
            time_limit=time_limit_s,
        )
