"""Answers and conversations as standalone Markdown: the answer with its linked markers
and a reference list (what the OpenAI-compatible API returns, and each turn of an export),
and a whole conversation for `conversations export` and the web chat's download."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from assistant.answer.result import AnswerResult
from assistant.digest import Paper
from assistant.present.markdown import (
    REPORT_WORDS,
    answer_markdown,
    escape_markdown,
    reference_markdown,
)

SOURCES_WORD = {"en": "Sources", "zh": "来源"}
_HEADERS = "|".join(re.escape(words["references"]) for words in REPORT_WORDS.values())
_REFERENCES_HEADER = re.compile(rf"\n\n\*\*(?:{_HEADERS})\*\*\n")
_LINK = re.compile(r"\[((?:\\\]|[^\]])*)\]\([^)\s]*\)")
_ESCAPED = re.compile(r"\\(.)")


def answer_with_references(result: AnswerResult) -> str:
    """The answer's Markdown (markers linked) followed by its numbered reference list."""
    markdown = answer_markdown(result)
    if not result.citations:
        return markdown
    words = REPORT_WORDS[result.language]
    lines = [reference_markdown(c.number, c.paper, result.language) for c in result.citations]
    return f"{markdown}\n\n**{words['references']}**\n\n" + "\n".join(lines)


def plain_answer(markdown: str) -> str:
    """An answer written by `answer_with_references` back as plain text (as a client sends
    it back in a conversation): no reference list, links reduced to their text."""
    text = _REFERENCES_HEADER.split(markdown, maxsplit=1)[0]
    text = _LINK.sub(lambda m: m.group(1), text)
    return html.unescape(_ESCAPED.sub(r"\1", text)).strip()


def conversation_markdown(
    title: str, turns: Sequence[tuple[str, AnswerResult]], *, subtitle: str = ""
) -> str:
    """A conversation as a Markdown document: each question, its answer with linked markers
    and numbered sources, then every paper cited in it, in order of first citation."""
    lines = [f"# {escape_markdown(title)}", ""]
    if subtitle:
        lines += [escape_markdown(subtitle), ""]
    cited: dict[str, tuple[Paper, str]] = {}
    for number, (question, result) in enumerate(turns, start=1):
        lines += [f"## {number}. {escape_markdown(question)}", "", answer_markdown(result), ""]
        if result.citations:
            lines += [f"{SOURCES_WORD[result.language]}:", ""]
            lines += [
                reference_markdown(c.number, c.paper, result.language) for c in result.citations
            ]
            lines.append("")
        for citation in result.citations:
            cited.setdefault(citation.paper.paper_id, (citation.paper, result.language))
    if cited:
        language = turns[0][1].language if turns else "en"
        lines += [f"## {REPORT_WORDS[language]['references']}", ""]
        lines += [reference_markdown(None, paper, lang) for paper, lang in cited.values()]
        lines.append("")
    return "\n".join(lines)
