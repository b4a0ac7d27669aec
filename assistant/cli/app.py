"""The root command group and the context every subcommand receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from assistant import __version__
from assistant.config import Settings, load_settings, parse_overrides


@dataclass
class AppContext:
    """Global options, and the Settings built from them on first use."""

    overrides: dict[str, Any] = field(default_factory=dict)
    env_file: Path | None = None
    _settings: Settings | None = None

    def settings(self, **section_overrides: dict[str, Any]) -> Settings:
        """The Settings for this run; command flags are merged over the global --set ones."""
        merged = {k: dict(v) if isinstance(v, dict) else v for k, v in self.overrides.items()}
        for section, values in section_overrides.items():
            clean = {k: v for k, v in values.items() if v is not None}
            if clean:
                merged.setdefault(section, {}).update(clean)
        if self._settings is None or section_overrides:
            built = load_settings(merged, env_file=self.env_file or ".env")
            if not section_overrides:
                self._settings = built
            return built
        return self._settings


pass_app = click.make_pass_decorator(AppContext)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assistant")
@click.option(
    "--set",
    "set_pairs",
    multiple=True,
    metavar="SECTION.FIELD=VALUE",
    help="Override a setting for this run (repeatable), e.g. --set retrieval.k=8.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read settings from this .env file instead of ./.env.",
)
@click.pass_context
def cli(ctx: click.Context, set_pairs: tuple[str, ...], env_file: Path | None) -> None:
    """Ask questions about a digest of AI research papers and get cited answers."""
    ctx.obj = AppContext(overrides=parse_overrides(list(set_pairs)), env_file=env_file)
