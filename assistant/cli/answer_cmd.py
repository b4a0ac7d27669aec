"""`assistant ask` and `assistant chat`: cited answers in the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from assistant.answer.result import RELATED_LABELS, AnswerResult
from assistant.cli.app import AppContext, cli, pass_app
from assistant.errors import UserError
from assistant.present.markdown import lines_beside_table
from assistant.present.papers import link_line, paper_label
from assistant.runtime import Runtime
from assistant.seams import AnswerStream

backend_option = click.option(
    "--backend",
    type=click.Choice(["auto", "local", "openai", "openai-compatible", "fake"]),
    default=None,
    help="Chat backend for this run (default: llm.backend).",
)


def read_history(path: Path | None) -> list[dict[str, str]]:
    """A JSON list of {"role", "content"} turns, checked, with a clear error."""
    if path is None:
        return []
    try:
        turns = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(
            f"{path}: cannot read the history ({exc}).",
            hint='Give a JSON list like [{"role": "user", "content": "..."}].',
        ) from None
    if not isinstance(turns, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and "content" in t
        for t in turns
    ):
        raise UserError(
            f"{path}: the history must be a JSON list of {{'role': user|assistant, 'content'}}."
        )
    return [{"role": t["role"], "content": str(t["content"])} for t in turns]


def sources_text(result: AnswerResult) -> str:
    """The numbered sources of an answer, with links (or the marked arXiv search)."""
    lines: list[str] = []
    for citation in result.citations:
        label = paper_label(citation.paper, with_zh_title=True)
        lines.append(f"[{citation.number}] {label}\n    {link_line(citation.paper)}")
    if result.abstained and result.related:
        lines.append(RELATED_LABELS[result.language])
        for paper in result.related:
            lines.append(f"  - {paper_label(paper)}\n    {link_line(paper)}")
    return "\n".join(lines)


def comparison_table(result: AnswerResult) -> Table:
    """A comparison's table for the terminal."""
    header, *rows = result.table
    table = Table(show_lines=True)
    for title in header:
        table.add_column(title, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def stream_to_terminal(
    service: AnswerStream, question: str, history: list[dict[str, str]], console: Console
) -> AnswerResult:
    """Show the answer as it is written, then replace it with the checked text."""
    result: AnswerResult | None = None
    streamed = ""
    with Live(
        Text("Searching the digest…", style="dim"),
        console=console,
        transient=True,
        refresh_per_second=12,
    ) as live:
        for event in service.stream(question, history=history):
            if event.kind == "token":
                streamed += event.text
                live.update(Text(streamed))
            elif event.kind == "reset":
                streamed = ""
                live.update(Text("Rewriting in the question's language…", style="dim"))
            elif event.kind == "result":
                result = event.result
    assert result is not None
    if result.table:
        console.print(comparison_table(result))
        rest = "\n".join(lines_beside_table(result))
        console.print(rest, markup=False, highlight=False, soft_wrap=True)
    else:
        console.print(result.answer, markup=False, highlight=False, soft_wrap=True)
    sources = sources_text(result)
    if sources:
        console.print()
        console.print(sources, markup=False, highlight=False, soft_wrap=True)
    return result


@cli.command("ask")
@click.argument("question")
@click.option(
    "--history",
    "history_file",
    type=click.Path(path_type=Path),
    default=None,
    help='JSON list of earlier turns: [{"role": "user", "content": "..."}, ...].',
)
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
@backend_option
@pass_app
def ask(
    app: AppContext, question: str, history_file: Path | None, as_json: bool, backend: str | None
) -> None:
    """Answer one question with citations to the digest's papers."""
    settings = app.settings(llm={"backend": backend})
    history = read_history(history_file)
    with Runtime(settings) as runtime:
        if as_json:
            result = runtime.service.answer(question, history=history)
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            stream_to_terminal(runtime.service, question, history, Console())


@cli.command("chat")
@backend_option
@pass_app
def chat(app: AppContext, backend: str | None) -> None:
    """A conversation in the terminal (/new, /sources, /quit)."""
    settings = app.settings(llm={"backend": backend})
    console = Console()
    runtime = Runtime(settings)
    history: list[dict[str, str]] = []
    last: AnswerResult | None = None
    try:
        service = runtime.service  # the models load now, not at the first question
        console.print("Ask about the digest. Commands: /new, /sources, /quit.", style="dim")
        while True:
            try:
                line = console.input("[bold]> [/bold]").strip()
            except EOFError:
                break
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            if line == "/new":
                history, last = [], None
                console.print("New conversation.", style="dim")
                continue
            if line == "/sources":
                text = sources_text(last) if last else ""
                console.print(text or "No sources yet.", markup=False, highlight=False)
                continue
            try:
                last = stream_to_terminal(service, line, history, console)
            except UserError as exc:  # a failed answer does not end the conversation
                console.print(f"Error: {exc}", style="red", markup=False, highlight=False)
                continue
            history += [
                {"role": "user", "content": line},
                {"role": "assistant", "content": last.answer},
            ]
            console.print()
    except KeyboardInterrupt:
        sys.stderr.write("\n")
    finally:
        runtime.close()
