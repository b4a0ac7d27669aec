"""What the commands share about the running server and the kept conversations: finding
the server that holds the index, and whose conversations a command acts on."""

from __future__ import annotations

import click

from assistant.api.client import ServerClient
from assistant.api.locate import running_server
from assistant.config import Settings
from assistant.conversations import LOCAL_USER

user_option = click.option(
    "--user",
    default=LOCAL_USER,
    show_default=True,
    help="Whose conversations: a login of the web chat (the local user when it has none).",
)


def server_for(settings: Settings) -> ServerClient | None:
    """The running server that holds the local index (said on stderr), or None."""
    client = running_server(settings)
    if client is not None:
        click.secho(
            f"The index is served by `assistant serve` at {client.url}: going through its "
            "HTTP API (its models and settings apply).",
            dim=True,
            err=True,
        )
    return client
