"""`assistant ask` and `assistant chat`: cited answers in the terminal."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from assistant.answer.result import RELATED_LABELS, AnswerEvent, AnswerResult
from assistant.api.client import RemoteAnswers, ask_result_json
from assistant.cli.app import AppContext, cli, pass_app
from assistant.cli.remote import server_for, user_option
from assistant.conversations.chats import ChatEvent, Chats
from assistant.conversations.export import turn_results
from assistant.conversations.model import Conversation
from assistant.conversations.store import ConversationStore
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
    final = show_answer(service.stream(question, history=history), console)
    assert final.result is not None
    return final.result


def show_answer(events: Iterable[AnswerEvent], console: Console) -> AnswerEvent:
    """Show an answer's events as they come, then the checked text and its sources;
    returns the result event."""
    final: AnswerEvent | None = None
    streamed = ""
    with Live(
        Text("Searching the digest…", style="dim"),
        console=console,
        transient=True,
        refresh_per_second=12,
    ) as live:
        for event in events:
            if event.kind == "token":
                streamed += event.text
                live.update(Text(streamed))
            elif event.kind == "reset":
                streamed = ""
                live.update(Text("Rewriting in the question's language…", style="dim"))
            elif event.kind == "status" and event.text == "queued":
                live.update(Text("Waiting for the answers before this one…", style="dim"))
            elif event.kind == "result":
                final = event
    assert final is not None and final.result is not None
    print_answer(final.result, console)
    return final


def print_answer(result: AnswerResult, console: Console) -> None:
    """The checked answer (a comparison as a table) and its numbered sources."""
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
    client = server_for(settings)
    if client is not None:
        with closing(client):
            if as_json:
                data = client.ask(question, history=history, save=False)
                click.echo(json.dumps(ask_result_json(data), ensure_ascii=False, indent=2))
            else:
                stream_to_terminal(RemoteAnswers(client), question, history, Console())
        return
    with Runtime(settings) as runtime:
        if as_json:
            result = runtime.service.answer(question, history=history)
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            stream_to_terminal(runtime.service, question, history, Console())


@cli.command("chat")
@click.option(
    "--resume",
    "resume",
    default=None,
    metavar="ID",
    help="Continue a kept conversation (its id, or the start of it; "
    "`assistant conversations list`).",
)
@user_option
@backend_option
@pass_app
def chat(app: AppContext, resume: str | None, user: str, backend: str | None) -> None:
    """A conversation in the terminal, kept like the web chat's (/new, /sources, /quit)."""
    settings = app.settings(llm={"backend": backend})
    console = Console()
    store = ConversationStore(settings.paths.conversations)
    conversation_id = store.resolve(user, resume) if resume else None
    last: AnswerResult | None = None
    client = server_for(settings)
    runtime = Runtime(settings) if client is None else None
    try:
        # A local runtime loads the models now, not at the first question.
        service = RemoteAnswers(client) if client is not None else runtime.service
        chats = Chats(service, store)
        if conversation_id:
            last = replay(store.require(user, conversation_id), console)
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
                conversation_id, last = None, None
                console.print("New conversation.", style="dim")
                continue
            if line == "/sources":
                text = sources_text(last) if last else ""
                console.print(text or "No sources yet.", markup=False, highlight=False)
                continue
            try:
                events = chats.stream(line, user=user, conversation_id=conversation_id)
                final = show_answer(events, console)
            except UserError as exc:  # a failed answer does not end the conversation
                console.print(f"Error: {exc}", style="red", markup=False, highlight=False)
                continue
            last = final.result
            if isinstance(final, ChatEvent):
                if final.warning:
                    console.print(final.warning, style="yellow", markup=False)
                conversation_id = final.conversation_id or conversation_id
            console.print()
    except KeyboardInterrupt:
        sys.stderr.write("\n")
    finally:
        if runtime is not None:
            runtime.close()
        if client is not None:
            client.close()
    if conversation_id:
        console.print(
            f"Kept as conversation {conversation_id}: `assistant chat --resume "
            f"{conversation_id}` continues it.",
            style="dim",
            soft_wrap=True,
        )


def replay(conversation: Conversation, console: Console) -> AnswerResult | None:
    """The earlier turns of a resumed conversation, as they were answered."""
    console.print(f"{conversation.title} ({conversation.turn_count} turns)", style="bold")
    last = None
    for question, result in turn_results(conversation):
        console.print(f"> {question}", markup=False, highlight=False, soft_wrap=True)
        print_answer(result, console)
        console.print()
        last = result
    return last
