"""Reading digest files (format A or B, detected from the text) into Paper records."""

from assistant.digest.loader import DigestLoad, detect_format, load_digests, read_digest_file
from assistant.digest.model import SECTION_LABELS, Paper, ParseIssue, SourceRef

__all__ = [
    "SECTION_LABELS",
    "DigestLoad",
    "Paper",
    "ParseIssue",
    "SourceRef",
    "detect_format",
    "load_digests",
    "read_digest_file",
]
