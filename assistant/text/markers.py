"""The `[n]` markers a model writes to cite its numbered sources.

Accepted forms: `[1]`, `[1][2]`, `[1, 2]` / `[1，2]` and the full-width `【1】`. Code
owns what a marker means: these helpers only find, read, remove and replace them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MARKER = re.compile(r"\[(\d+(?:\s*[,，]\s*\d+)*)\]|【(\d+)】")
# One or more markers, with optional spaces before each (a pattern to embed in others).
MARKER_RUN = r"(?:\s*(?:\[\d+(?:\s*[,，]\s*\d+)*\]|【\d+】))+"
ONLY_MARKERS = re.compile(MARKER_RUN)


def keys_of(marker: re.Match[str]) -> list[int]:
    """The source numbers of one marker match: "[1, 3]" -> [1, 3]."""
    return [int(part) for part in re.split(r"\s*[,，]\s*", marker.group(1) or marker.group(2))]


def marker_keys(text: str) -> list[int]:
    """Every source number the text cites, in order of first use, without repeats."""
    keys: list[int] = []
    for match in MARKER.finditer(text):
        for key in keys_of(match):
            if key not in keys:
                keys.append(key)
    return keys


def strip_markers(text: str) -> str:
    """The text without its markers (spaces left around them are not tidied)."""
    return MARKER.sub("", text)


def replace_markers(text: str, replace: Callable[[list[int], re.Match[str]], str]) -> str:
    """Each marker replaced by `replace(keys, match)`."""
    return MARKER.sub(lambda match: replace(keys_of(match), match), text)
