"""Format A: `## English title`, then `[Chinese title](link)`, then a Chinese summary."""

from __future__ import annotations

import re

from assistant.digest.identity import arxiv_id_from_url, arxiv_search_url, content_id
from assistant.digest.model import Paper, ParseIssue, SourceRef
from assistant.digest.naming import title_name

HEADING = re.compile(r"^##\s+(?P<title>\S.*?)\s*$")
LINK_LINE = re.compile(r"^\[(?P<title>[^\]]+)\]\((?P<link>[^)\s]+)\)\s*$")


def looks_like(lines: list[str]) -> bool:
    """True when some `## ` heading is followed by a `[title](link)` line."""
    for i, line in enumerate(lines):
        if HEADING.match(line):
            following = next((s for s in lines[i + 1 : i + 4] if s.strip()), "")
            if LINK_LINE.match(following.strip()):
                return True
    return False


def parse(file: str, lines: list[str]) -> tuple[list[Paper], list[ParseIssue]]:
    """Read every entry; an entry missing its link or summary is kept with a warning."""
    papers: list[Paper] = []
    issues: list[ParseIssue] = []

    def warn(line: int, message: str) -> None:
        issues.append(ParseIssue(file, line, "warning", message))

    starts = [i for i, line in enumerate(lines) if HEADING.match(line)]
    stray = next((i for i in range(starts[0] if starts else 0) if lines[i].strip()), None)
    if stray is not None:
        warn(stray + 1, "text before the first '## English title' heading is ignored.")

    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        line_no = start + 1
        title_en = HEADING.match(lines[start]).group("title")  # type: ignore[union-attr]
        body = [(i, lines[i].strip()) for i in range(start + 1, end) if lines[i].strip()]

        title_zh = link = None
        if body and (match := LINK_LINE.match(body[0][1])):
            title_zh, link = match.group("title").strip(), match.group("link")
            link_line, body = body[0][0] + 1, body[1:]
            if not link.startswith(("http://", "https://")):
                warn(link_line, f"link {link!r} is not a web URL; ignored.")
                link = None
        else:
            warn(
                line_no,
                f"entry '{title_en[:60]}' has no '[Chinese title](link)' line after its "
                "heading; it is read without a link.",
            )

        summary = "\n".join(text for _, text in body)
        if not summary:
            warn(line_no, f"entry '{title_en[:60]}' has no summary after its title lines.")

        arxiv_id = arxiv_id_from_url(link)
        papers.append(
            Paper(
                paper_id=arxiv_id or content_id(f"{title_en}\n{summary}"),
                display_name=title_name(title_en, summary),
                name_source="title",
                title_en=title_en,
                title_zh=title_zh,
                link=link,
                link_kind=("arxiv" if arxiv_id else "other") if link else None,
                arxiv_id=arxiv_id,
                search_url=None if link else arxiv_search_url(title_en, is_title=True),
                summary_zh=summary or None,
                sources=[SourceRef(file, line_no, "A")],
            )
        )
    return papers, issues
