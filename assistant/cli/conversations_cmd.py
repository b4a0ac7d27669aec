"""`assistant conversations list|show|export|rename|delete` and `assistant feedback export`:
the kept conversations, read straight from their file (safe while the server writes it)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from assistant.cli.answer_cmd import print_answer
from assistant.cli.app import AppContext, cli, pass_app
from assistant.cli.output import out_file_option, write_out
from assistant.cli.remote import user_option
from assistant.conversations.export import export_conversation, turn_results
from assistant.conversations.feedback import feedback_entries
from assistant.conversations.model import iso_time
from assistant.conversations.store import ConversationStore

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def open_store(app: AppContext) -> ConversationStore:
    return ConversationStore(app.settings().paths.conversations)


@cli.group("conversations")
def conversations_group() -> None:
    """The kept conversations of the web chat, `assistant chat` and the HTTP API.

    IDs may be shortened to any unique start.
    """


@conversations_group.command("list")
@click.option("--limit", type=click.IntRange(1, 10000), default=200, help="Most to list.")
@json_option
@user_option
@pass_app
def list_conversations(app: AppContext, limit: int, as_json: bool, user: str) -> None:
    """The conversations, most recently active first."""
    conversations = open_store(app).conversations(user, limit=limit)
    if as_json:
        click.echo(json.dumps([c.summary() for c in conversations], ensure_ascii=False, indent=2))
        return
    if not conversations:
        click.echo(f"No conversations kept for {user!r}.")
        return
    for conversation in conversations:
        updated = (iso_time(conversation.updated_at) or "")[:16].replace("T", " ")
        click.echo(
            f"{conversation.id}  {updated}  {conversation.turn_count:>3} turn(s)  "
            f"{conversation.title}"
        )


@conversations_group.command("show")
@click.argument("conversation_id")
@json_option
@user_option
@pass_app
def show_conversation(app: AppContext, conversation_id: str, as_json: bool, user: str) -> None:
    """Every question and answer of a conversation, with the answers' sources."""
    store = open_store(app)
    conversation = store.require(user, store.resolve(user, conversation_id))
    if as_json:
        click.echo(json.dumps(conversation.to_dict(), ensure_ascii=False, indent=2))
        return
    console = Console()
    console.print(
        f"{conversation.title} · {conversation.id} · {iso_time(conversation.created_at)}",
        style="bold",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for question, result in turn_results(conversation):
        console.print()
        console.print(f"> {question}", markup=False, highlight=False, soft_wrap=True)
        print_answer(result, console)


@conversations_group.command("export")
@click.argument("conversation_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Markdown (answers with their links and a reference list) or JSON (every turn's "
    "whole result).",
)
@out_file_option("Write to this file instead of stdout.")
@user_option
@pass_app
def export_command(
    app: AppContext, conversation_id: str, fmt: str, out_file: Path | None, user: str
) -> None:
    """A conversation as a Markdown document or as JSON."""
    store = open_store(app)
    conversation = store.require(user, store.resolve(user, conversation_id))
    text = export_conversation(conversation, fmt)  # type: ignore[arg-type]
    write_out(text, out_file, f"Conversation {conversation.id} written to {out_file}.")


@conversations_group.command("rename")
@click.argument("conversation_id")
@click.argument("title")
@user_option
@pass_app
def rename_command(app: AppContext, conversation_id: str, title: str, user: str) -> None:
    """Give a conversation a new title."""
    store = open_store(app)
    found = store.resolve(user, conversation_id)
    store.rename(user, found, title)
    click.echo(f"Conversation {found} renamed.")


@conversations_group.command("delete")
@click.argument("conversation_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@user_option
@pass_app
def delete_command(
    app: AppContext, conversation_id: str, yes: bool, as_json: bool, user: str
) -> None:
    """Delete a conversation and its turns (and their feedback)."""
    store = open_store(app)
    found = store.require(user, store.resolve(user, conversation_id))
    if not yes and not as_json:
        click.confirm(f"Delete {found.title!r} ({found.turn_count} turn(s))?", abort=True, err=True)
    deleted = store.delete(user, found.id)
    if as_json:
        click.echo(json.dumps({"id": found.id, "deleted": deleted}))
    else:
        click.echo(f"Conversation {found.id} deleted.")


@cli.group("feedback")
def feedback_group() -> None:
    """The 👍/👎 ratings given to answers, kept with their turns."""


@feedback_group.command("export")
@out_file_option("Write the JSONL to this file instead of stdout.")
@click.option("--user", default=None, help="Only this login's ratings (default: everyone's).")
@pass_app
def export_feedback(app: AppContext, out_file: Path | None, user: str | None) -> None:
    """Every rated answer as one JSON line (time, liked, question, answer, cited and
    retrieved paper ids, abstained, conversation and turn): material for eval sets."""
    lines = [
        json.dumps(e, ensure_ascii=False) + "\n" for e in feedback_entries(open_store(app), user)
    ]
    write_out("".join(lines), out_file, f"{len(lines)} rated answer(s) written to {out_file}.")
