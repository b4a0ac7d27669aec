"""The `assistant` command line: a thin shell over the library.

Every command builds the Settings once from the global options, calls the library, and
prints. User mistakes (UserError) end with a one-paragraph message and exit code 2.
"""

from __future__ import annotations

import sys

import click

from assistant.cli.app import AppContext, cli
from assistant.errors import AssistantError, UserError

# Command groups register themselves on `cli` when imported.
from assistant.cli import config_cmd, models_cmd, papers_cmd  # noqa: F401  isort: skip
from assistant.cli import index_cmd  # noqa: F401  isort: skip
from assistant.cli import answer_cmd, eval_cmd, serve_cmd, summarize_cmd  # noqa: F401  isort: skip
from assistant.cli import conversations_cmd  # noqa: F401  isort: skip

__all__ = ["AppContext", "cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; translates errors into messages and exit codes."""
    try:
        code = cli.main(args=argv, prog_name="assistant", standalone_mode=False)
    except UserError as exc:
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(exc.exit_code)
    except AssistantError as exc:
        click.secho(f"Internal error: {exc} (please report this).", fg="red", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("\nInterrupted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
