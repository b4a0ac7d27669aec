"""Topic summaries with citations: map-reduce over the relevant papers of the digest."""

from assistant.summarize.report import Entry, SummaryReport, Theme
from assistant.summarize.service import Summarizer

__all__ = ["Entry", "Summarizer", "SummaryReport", "Theme"]
