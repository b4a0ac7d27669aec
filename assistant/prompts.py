"""Prompt files: loaded by name from the prompts folder, their placeholders checked.

A prompt file is plain text with `{name}` placeholders (a literal brace is written `{{`).
Each known prompt declares the placeholders the code fills; a file that lacks one or adds
an unknown one fails with a PromptError naming the file, before any model is called.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from assistant.errors import PromptError

# prompt name -> the placeholders the code fills in.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "answer.en.system": frozenset({"abstain_phrase"}),
    "answer.zh.system": frozenset({"abstain_phrase"}),
    "answer.en.user": frozenset({"context", "question"}),
    "answer.zh.user": frozenset({"context", "question"}),
    "condense.en": frozenset({"history", "question"}),
    "condense.zh": frozenset({"history", "question"}),
    "language_retry.en": frozenset(),
    "language_retry.zh": frozenset(),
    "second_look.en": frozenset({"abstain_phrase"}),
    "second_look.zh": frozenset({"abstain_phrase"}),
    "summary_note.en": frozenset({"topic", "paper", "text"}),
    "summary_note.zh": frozenset({"topic", "paper", "text"}),
    "summary_overview.en": frozenset({"topic", "notes"}),
    "summary_overview.zh": frozenset({"topic", "notes"}),
    "summary_theme.en": frozenset({"notes"}),
    "summary_theme.zh": frozenset({"notes"}),
    "judge_claim": frozenset({"context", "claim"}),
    "paper_name": frozenset({"text"}),
    "compare_difference.en": frozenset({"papers"}),
    "compare_difference.zh": frozenset({"papers"}),
}


def placeholders_of(text: str) -> set[str]:
    """The `{name}` fields of a template (escaped `{{` braces are not fields)."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as exc:
        raise PromptError(f"unbalanced braces ({exc}).") from None


@lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> str:
    return path.read_text(encoding="utf-8")


def load_prompt(prompts_dir: Path, name: str, expected: frozenset[str] | None = None) -> str:
    """The text of prompt `name` (file `<name>.txt`), with its placeholders verified."""
    path = Path(prompts_dir) / f"{name}.txt"
    wanted = expected if expected is not None else PLACEHOLDERS.get(name)
    if wanted is None:
        raise PromptError(f"Unknown prompt {name!r}: no placeholders are declared for it.")
    if not path.is_file():
        raise PromptError(
            f"The prompt file {path} is missing.",
            hint="Restore it from the repository, or point paths.prompts at a folder that has it.",
        )
    text = _read(path, path.stat().st_mtime_ns)
    try:
        found = placeholders_of(text)
    except PromptError as exc:
        raise PromptError(f"The prompt file {path} has {exc.message}") from None
    if found != set(wanted):
        missing = ", ".join(sorted(set(wanted) - found)) or "none"
        extra = ", ".join(sorted(found - set(wanted))) or "none"
        raise PromptError(
            f"The prompt file {path} has the wrong placeholders (missing: {missing}; "
            f"unknown: {extra}).",
            hint=f"It must use exactly: {', '.join(sorted(wanted)) or 'no placeholders'}; "
            "write a literal brace as {{ or }}.",
        )
    return text


def fill(template: str, **values: str) -> str:
    """Fill a checked template; values are inserted as data, never re-parsed."""
    return template.format(**values)
