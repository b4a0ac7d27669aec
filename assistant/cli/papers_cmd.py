"""`assistant papers list|show|stats`: what the digest files hold."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from assistant.cli.app import AppContext, cli, pass_app
from assistant.digest import SECTION_LABELS, DigestLoad, Paper, load_digests
from assistant.errors import UserError
from assistant.present.papers import link_line, paper_label

digest_option = click.option(
    "--digest",
    "digests",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Digest file or folder to read (repeatable; default: the configured digests).",
)
strict_option = click.option(
    "--strict", is_flag=True, help="Fail when any entry has a problem instead of warning."
)


def load_for_command(app: AppContext, digests: tuple[Path, ...], strict: bool) -> DigestLoad:
    """Read the digests a command works on and report problems on stderr."""
    paths = list(digests) or app.settings().paths.digests
    load = load_digests(paths, strict=strict)
    for issue in load.issues[:20]:
        click.secho(str(issue), fg="yellow", err=True)
    if len(load.issues) > 20:
        click.secho(f"... and {len(load.issues) - 20} more problems.", fg="yellow", err=True)
    return load


@cli.group("papers")
def papers_group() -> None:
    """List, show and count the papers of the digest."""


@papers_group.command("list")
@click.option("--category", help="Only papers of this category.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
@digest_option
@strict_option
@pass_app
def list_papers(
    app: AppContext, category: str | None, as_json: bool, digests: tuple[Path, ...], strict: bool
) -> None:
    """One line per paper: id, name, category, link."""
    papers = load_for_command(app, digests, strict).papers
    if category:
        papers = [p for p in papers if p.category == category]
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in papers], ensure_ascii=False, indent=2))
        return
    for paper in papers:
        link = paper.link or "(no link)"
        label = paper_label(paper)[:70]
        click.echo(f"{paper.paper_id:<16} {paper.category or '-':<14} {label}  {link}")


@papers_group.command("show")
@click.argument("paper_id")
@digest_option
@pass_app
def show_paper(app: AppContext, paper_id: str, digests: tuple[Path, ...]) -> None:
    """Everything the digest says about one paper (arXiv id, URL or paper id)."""
    load = load_for_command(app, digests, strict=False)
    paper = load.get(paper_id)
    if paper is None:
        raise UserError(
            f"No paper with id {paper_id!r} in the digest.",
            hint="`assistant papers list` shows the ids; arXiv ids and arXiv URLs work too.",
        )
    click.echo(render_paper(paper))


def render_paper(paper: Paper) -> str:
    """A readable, bilingual view of one paper."""
    out = [click.style(paper_label(paper), bold=True)]
    if paper.title_zh:
        out.append(paper.title_zh)
    out.append(f"id: {paper.paper_id}")
    out.append(link_line(paper))
    if paper.category:
        out.append(f"category: {paper.category} / {paper.subcategory or '-'}")
    if paper.tags:
        out.append("tags: " + ", ".join(paper.tags))
    if paper.tldr:
        out.append(f"\nTL;DR: {paper.tldr}")
    if paper.summary_zh:
        out.append(f"\n摘要 (中文):\n{paper.summary_zh}")
    for key, text in paper.sections.items():
        out.append(f"\n{SECTION_LABELS[key]}: {text}")
    if paper.abstract:
        out.append(f"\nAbstract:\n{paper.abstract}")
    sources = ", ".join(f"{s.file}:{s.line} (format {s.format})" for s in paper.sources)
    out.append(f"\nsource: {sources}")
    return "\n".join(out)


def digest_stats(load: DigestLoad) -> dict:
    """Counts by file, format, category and link kind."""
    papers = load.papers
    by_file: Counter[str] = Counter()
    for paper in papers:
        for source in paper.sources:
            by_file[source.file] += 1
    return {
        "papers": len(papers),
        "arxiv_links": sum(1 for p in papers if p.link_kind == "arxiv"),
        "other_links": sum(1 for p in papers if p.link_kind == "other"),
        "without_link": sum(1 for p in papers if not p.link),
        "categories": dict(Counter(p.category for p in papers if p.category).most_common()),
        "formats": dict(Counter(load.files.values())),
        "files": {
            f: {"format": load.files.get(f), "papers": n} for f, n in sorted(by_file.items())
        },
        "derived_names": sum(1 for p in papers if p.name_is_derived),
        "problems": len(load.issues),
    }


@papers_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@digest_option
@strict_option
@pass_app
def stats(app: AppContext, as_json: bool, digests: tuple[Path, ...], strict: bool) -> None:
    """How many papers, links and categories the digest has."""
    data = digest_stats(load_for_command(app, digests, strict))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"papers: {data['papers']}")
    click.echo(
        f"links: {data['arxiv_links']} arXiv, {data['other_links']} other, "
        f"{data['without_link']} without a link"
    )
    click.echo(f"categories ({len(data['categories'])}):")
    for name, count in data["categories"].items():
        click.echo(f"  {name}: {count}")
    click.echo("files:")
    for name, info in data["files"].items():
        click.echo(f"  {name}: {info['papers']} papers (format {info['format']})")
    if data["problems"]:
        click.echo(f"problems: {data['problems']} (listed above)")


@papers_group.command("name")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--again", is_flag=True, help="Ask for every name again, ignoring names.json.")
@pass_app
def name_papers_command(app: AppContext, folder: Path, again: bool) -> None:
    """Name the papers of FOLDER's digests that their text does not name, with the chat
    model, and write the names to FOLDER/names.json (read with the digests from then on)."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from assistant.digest.naming import NAMES_FILE, needs_model_name, read_names
    from assistant.index.naming import name_papers
    from assistant.models.status import active_chat
    from assistant.prompts import load_prompt
    from assistant.runtime import Runtime

    settings = app.settings()
    load = load_for_command(app, (folder,), strict=False)
    shipped = {} if again else read_names(folder)[0]
    asked_before = ("model", "text") if again else ()
    unnamed = [p for p in load.papers if needs_model_name(p) or p.name_source in asked_before]
    for paper in unnamed:
        paper.name_source = "phrase"  # to be asked (again)
    template = load_prompt(settings.paths.prompts, "paper_name")
    runtime = Runtime(settings)
    started = time.perf_counter()
    with Progress(TextColumn("naming papers"), BarColumn(), MofNCompleteColumn()) as bar:
        task = bar.add_task("", total=len(unnamed))
        report = name_papers(
            unnamed,
            {},
            lambda: runtime.chat_model,
            template,
            lambda done, total: bar.update(task, completed=done, total=total),
        )
    names = {**shipped, **{p.paper_id: p.display_name for p in unnamed if p.name_source == "model"}}
    tried = sorted(p.paper_id for p in unnamed if p.name_source == "text")
    record = {
        "model": active_chat(settings),
        "names": dict(sorted(names.items())),
        "tried": tried,
    }
    (folder / NAMES_FILE).write_text(
        json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    click.echo(
        f"Asked for {report.asked} name(s), {report.named} passed the check; "
        f"{len(names)} in {folder / NAMES_FILE}; {time.perf_counter() - started:.0f} s."
    )
