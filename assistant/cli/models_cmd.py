"""`assistant models fetch|status`: the local model cache and the active backends."""

from __future__ import annotations

import json

import click

from assistant.cli.app import AppContext, cli, pass_app
from assistant.models import (
    active_chat,
    active_embedder,
    announce,
    cache_status,
    ensure_models,
    resolve_names,
)


@cli.group("models")
def models_group() -> None:
    """Fetch, verify and inspect the local models."""


@models_group.command("fetch")
@click.argument("names", nargs=-1)
@click.option("--quiet", is_flag=True, help="No progress bars.")
@pass_app
def fetch(app: AppContext, names: tuple[str, ...], quiet: bool) -> None:
    """Download, reassemble and verify models (default: the ones the settings use).

    NAMES are model names (see `assistant models status`) or the roles `chat` and
    `embedder`. Verified models are not fetched again.
    """
    settings = app.settings()
    specs = resolve_names(settings, names)
    if not specs:
        click.echo("Nothing to fetch: the configured backends use no local model.")
        return
    click.echo(f"Models (cache: {settings.paths.models}):")
    for spec in specs:
        click.echo(f"  {announce(spec)}")
    paths = ensure_models(
        settings, [s.name for s in specs], progress=not quiet, say=lambda m: click.echo(m)
    )
    for name, path in paths.items():
        click.secho(f"verified  {name}  {path}", fg="green")


@models_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def status(app: AppContext, as_json: bool) -> None:
    """Which models are present and verified, and which backends are active."""
    settings = app.settings()
    rows = cache_status(settings)
    data = {
        "cache": str(settings.paths.models),
        "chat_backend": active_chat(settings),
        "embedding_backend": active_embedder(settings),
        "models": [
            {
                "name": r.name,
                "kind": r.kind,
                "state": r.state,
                "in_use": r.in_use,
                "license": r.license,
                "path": str(r.path),
            }
            for r in rows
        ],
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"chat backend:      {data['chat_backend']}")
    click.echo(f"embedding backend: {data['embedding_backend']}")
    click.echo(f"model cache:       {data['cache']}")
    colours = {"verified": "green", "unverified": "yellow", "missing": "red"}
    for row in rows:
        mark = "*" if row.in_use else " "
        state = click.style(f"{row.state:<10}", fg=colours[row.state])
        click.echo(f" {mark} {row.name:<30} {row.kind:<9} {state} {row.path}")
    click.echo("(* = used by the current settings)")
    missing = [r.name for r in rows if r.in_use and r.state != "verified"]
    if missing:
        click.echo(f"Run `assistant models fetch {' '.join(missing)}` to fetch what is missing.")
