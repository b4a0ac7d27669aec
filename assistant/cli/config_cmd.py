"""`assistant config show`: the resolved settings, secrets masked."""

from __future__ import annotations

import json

import click

from assistant.cli.app import AppContext, cli, pass_app
from assistant.config import describe_settings


@cli.group("config")
def config_group() -> None:
    """Inspect the settings."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a listing.")
@pass_app
def show(app: AppContext, as_json: bool) -> None:
    """Print every resolved setting (defaults, .env, ASSISTANT_* variables, --set)."""
    data = describe_settings(app.settings())
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return

    def walk(prefix: str, node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else key, value)
        else:
            click.echo(f"{prefix} = {json.dumps(node, ensure_ascii=False)}")

    walk("", data)
