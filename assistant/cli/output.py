"""Where a command's document goes: stdout, or the file `--out` names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def out_file_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--out FILE`, as the commands that write a document take it."""
    return click.option(
        "--out",
        "out_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=help_text,
    )


def write_out(text: str, out_file: Path | None, done: str) -> None:
    """`text` to `out_file` (then `done` on stderr, so stdout stays the document's), else to
    stdout."""
    if out_file is None:
        click.echo(text, nl=bool(text) and not text.endswith("\n"))
        return
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(text, encoding="utf-8")
    click.echo(done, err=True)
