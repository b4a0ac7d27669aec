"""`assistant ingest [PATH...]` and `assistant search QUERY`: build the index, query it."""

from __future__ import annotations

import json
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from assistant.api.client import hits_from
from assistant.cli.app import AppContext, cli, pass_app
from assistant.cli.remote import server_for
from assistant.digest import load_digests
from assistant.errors import UserError
from assistant.index.ingest import IngestProgress, IngestReport
from assistant.index.naming import NamingReport
from assistant.index.plan import KeptFile
from assistant.present.papers import link_line, paper_label
from assistant.retrieval import PaperHit, SearchFilters, hit_json
from assistant.retrieval.lexical_view import LexicalView
from assistant.runtime import Runtime


@cli.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--rebuild",
    is_flag=True,
    help="Build the index again from scratch (beside the old one, which stays until done).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Remove the papers a file no longer has even when that is more than half of them.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@pass_app
def ingest_command(
    app: AppContext, paths: tuple[Path, ...], rebuild: bool, prune: bool, quiet: bool
) -> None:
    """Index digest files (default: the bundled digest); only new or changed text is embedded.

    Safe to interrupt: the index stays usable and the next run continues. A file with an
    error removes nothing from the index, and the command then exits with code 2.
    """
    settings = app.settings()
    load = load_digests(list(paths) or settings.paths.digests)
    for issue in load.issues[:20]:
        click.secho(str(issue), fg="yellow" if issue.level == "warning" else "red", err=True)
    if len(load.issues) > 20:
        click.secho(f"... and {len(load.issues) - 20} more problems.", fg="yellow", err=True)
    client = server_for(settings)
    if client is not None:
        click.secho("The server ingests now (this can take minutes)…", dim=True, err=True)
        with closing(client):
            sent = [str(path.expanduser().resolve()) for path in paths]
            data = client.ingest(sent, rebuild=rebuild, prune=prune)
        report_ingest(report_from(data["report"]), data["location"])
        return
    with Runtime(settings, model_progress=False) as runtime, IngestBar(quiet) as bar:
        try:
            report = runtime.ingest(
                load, rebuild=rebuild, prune=prune, progress=bar.update, naming_progress=bar.naming
            )
        except KeyboardInterrupt:
            bar.stop()
            click.secho(
                "Stopped. The index is usable as it is; run `assistant ingest` again to finish.",
                fg="yellow",
                err=True,
            )
            raise
        if report.changed or report.papers_removed:
            # Build and save the BM25 view now, not at the first search.
            LexicalView.open(runtime.store)
        location = runtime.store.location
    report_ingest(report, location)


def report_from(data: dict[str, Any]) -> IngestReport:
    """An IngestReport back from its JSON (sent by a server that ran the ingest)."""
    naming = data.get("naming")
    return IngestReport(
        **{
            **data,
            "naming": NamingReport(**naming) if naming else None,
            "kept": [KeptFile(**kept) for kept in data.get("kept", [])],
        }
    )


def report_ingest(report: IngestReport, location: str) -> None:
    """What an ingest did, what it kept and why; exit code 2 when a file had errors."""
    click.echo(_summary(report, location))
    for kept in report.kept:
        why = (
            "the file had an error"
            if kept.reason == "error"
            else "that is more than half of its papers (add --prune if this is intended)"
        )
        click.secho(
            f"{kept.file}: kept {kept.papers} paper(s) the file no longer has, because {why}.",
            fg="yellow",
            err=True,
        )
    if report.error_files:
        raise UserError(
            f"{len(report.error_files)} file(s) had errors (listed above); nothing of theirs "
            "was removed from the index.",
            hint="Fix those files and run `assistant ingest` again.",
        )


class IngestBar:
    """A rich progress bar over papers, with chunks embedded per second."""

    def __init__(self, quiet: bool) -> None:
        self.progress: Progress | None = None
        self.task = None
        self.naming_task = None
        if not quiet:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("papers"),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> IngestBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()

    def update(self, p: IngestProgress) -> None:
        if self.progress is None:
            return
        rate = f"{p.chunks_embedded / p.seconds:.1f}" if p.seconds and p.chunks_embedded else "-"
        detail = f"{p.chunks_embedded}/{p.chunks_to_embed} chunks, {rate} chunks/s"
        if self.task is None:
            if p.chunks_to_embed == 0 and p.papers_done == p.papers_total:
                return  # nothing to do: no bar
            self.progress.start()
            self.task = self.progress.add_task("indexing", total=p.papers_total, detail=detail)
        self.progress.update(self.task, completed=p.papers_done, detail=detail)

    def naming(self, done: int, total: int) -> None:
        """Progress of naming papers with the chat model (before indexing starts)."""
        if self.progress is None:
            return
        if self.naming_task is None:
            self.progress.start()
            self.naming_task = self.progress.add_task(
                "naming", total=total, detail="with the chat model"
            )
        self.progress.update(self.naming_task, completed=done, total=total)


def _summary(report: IngestReport, location: str) -> str:
    naming = report.naming
    named = (
        f" Named {naming.named} of {naming.asked} unnamed paper(s) with the chat model in "
        f"{naming.seconds:.0f} s."
        if naming and naming.asked
        else ""
    )
    return _changes(report, location) + named


def _changes(report: IngestReport, location: str) -> str:
    if not report.changed and not report.papers_removed:
        return (
            f"The index is up to date: {report.papers} papers, {report.chunks} chunks "
            f"({location}); checked in {report.seconds:.1f} s."
        )
    rate = (
        f" ({report.chunks_embedded / report.embed_seconds:.1f} chunks/s)"
        if report.embed_seconds and report.chunks_embedded
        else ""
    )
    return (
        f"{'Rebuilt' if report.rebuilt else 'Updated'} the index at {location}: "
        f"{report.papers} papers, {report.chunks} chunks; embedded {report.chunks_embedded} "
        f"new chunks{rate}, deleted {report.chunks_deleted}, updated {report.papers_updated} "
        f"papers, removed {report.papers_removed}; {report.seconds:.1f} s."
    )


@cli.command("search")
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 100), default=None, help="Papers to return.")
@click.option("--category", "categories", multiple=True, help="Only this category (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Only papers with this tag (repeatable).")
@click.option(
    "--source", "sources", multiple=True, help="Only papers from this digest file (repeatable)."
)
@click.option("--rerank/--no-rerank", default=None, help="Rerank with the chat model as a judge.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list in rank order.")
@pass_app
def search_command(
    app: AppContext,
    query: str,
    k: int | None,
    categories: tuple[str, ...],
    tags: tuple[str, ...],
    sources: tuple[str, ...],
    rerank: bool | None,
    as_json: bool,
) -> None:
    """The papers that best match QUERY (Chinese or English), with link, score and snippet."""
    settings = app.settings(retrieval={"rerank": rerank})
    filters = SearchFilters(categories or None, tags or None, sources or None)
    client = server_for(settings)
    if client is not None:
        started = time.perf_counter()
        with closing(client):
            found = client.search(
                query, k=k, category=categories, tag=tags, source=sources, with_papers=True
            )
        _print_hits(hits_from(found), time.perf_counter() - started, as_json)
        return
    with Runtime(settings) as runtime:
        retriever = runtime.retriever
        if categories:
            known = retriever.categories()
            unknown = [c for c in categories if c.casefold() not in {x.casefold() for x in known}]
            if unknown:
                click.secho(
                    f"Unknown category {', '.join(unknown)}; the index has: {', '.join(known)}.",
                    fg="yellow",
                    err=True,
                )
        started = time.perf_counter()
        hits = retriever.search(query, k=k, filters=filters)
        elapsed = time.perf_counter() - started
    _print_hits(hits, elapsed, as_json)


def _print_hits(hits: list[PaperHit], elapsed: float, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([hit_json(h) for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("No matching papers.")
        return
    for rank, hit in enumerate(hits, start=1):
        click.echo(_render_hit(rank, hit))
    click.secho(f"({len(hits)} papers in {elapsed * 1000:.0f} ms)", dim=True, err=True)


def _render_hit(rank: int, hit: PaperHit) -> str:
    paper = hit.paper
    name = click.style(paper_label(paper), bold=True)
    lines = [f"{rank}. {name}  [score {hit.score:.4f}]"]
    if paper.title_zh and paper.title_zh != paper.display_name:
        lines.append(f"   {paper.title_zh}")
    lines.append(f"   {link_line(paper)}")
    details = [f"id {paper.paper_id}"]
    if paper.category:
        details.append(paper.category)
    if hit.rerank:
        details.append(f"judge: {hit.rerank}")
    lines.append("   " + " · ".join(details))
    lines.append(f"   “{hit.snippet}”")
    return "\n".join(lines) + "\n"
