"""URLs and Markdown links in model output: the model never writes a link a reader sees.

Links come from the paper records only; whatever the model wrote is removed from checked
answers (and counted), and disarmed in text streamed before the check.
"""

from __future__ import annotations

import re

URL = re.compile(r"(?:https?://|www\.)[^\s)\]>，。；]+", re.I)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|www\.)[^)]*\)")


def strip_urls(text: str) -> tuple[str, int]:
    """Remove every URL (and Markdown link target) the model wrote; count them."""
    count = len(_MD_LINK.findall(text))
    text = _MD_LINK.sub(r"\1", text)
    count += len(URL.findall(text))
    text = URL.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text), count
