"""`assistant summarize TOPIC`: a cited Markdown report on a topic of the digest."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from assistant.cli.answer_cmd import backend_option
from assistant.cli.app import AppContext, cli, pass_app
from assistant.cli.output import out_file_option, write_out
from assistant.cli.remote import server_for
from assistant.present.markdown import report_markdown
from assistant.runtime import Runtime

STAGES = {
    "retrieving": "Finding papers",
    "notes": "Reading papers",
    "themes": "Grouping themes",
    "overview": "Writing overview",
}


@cli.command("summarize")
@click.argument("topic")
@click.option("--category", "categories", multiple=True, help="Only this category (repeatable).")
@click.option("--max-papers", type=click.IntRange(1, 30), default=None, help="Most papers.")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Report language (default: the topic's).",
)
@out_file_option("Write the Markdown report to this file.")
@backend_option
@pass_app
def summarize(
    app: AppContext,
    topic: str,
    categories: tuple[str, ...],
    max_papers: int | None,
    lang: str | None,
    out_file: Path | None,
    backend: str | None,
) -> None:
    """Summarize what the digest's papers say on TOPIC, citing each paper."""
    from assistant.retrieval import SearchFilters

    settings = app.settings(llm={"backend": backend})
    filters = SearchFilters(categories=list(categories)) if categories else None
    console = Console(stderr=True)
    client = server_for(settings)
    if client is not None:
        with closing(client), console.status("Summarizing on the server…"):
            data = client.summarize(
                topic, categories=list(categories), max_papers=max_papers, language=lang
            )
        write_out(data["markdown"], out_file, f"Report written to {out_file}.")
        return
    runtime = Runtime(settings)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(STAGES["retrieving"], total=1)

            def show(stage: str, done: int, total: int) -> None:
                bar.update(task, description=STAGES[stage], completed=done, total=max(total, 1))

            report = runtime.summarizer.summarize(
                topic, filters=filters, max_papers=max_papers, language=lang, progress=show
            )
    finally:
        runtime.close()
    write_out(report_markdown(report), out_file, f"Report written to {out_file}.")
