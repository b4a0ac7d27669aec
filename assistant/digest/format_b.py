"""Format B: category headers `名称N 篇`, then per paper an area line, a subcategory line,
a `#tags` line, an optional `TL;DR:` line, the six fields 🎯 ❓ 🔍 🛠️ 📊 ⭐, the line
`查看完整摘要 (Abstract)` and the English abstract. Papers have no title and no link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.digest.identity import arxiv_search_url, content_id
from assistant.digest.model import SECTION_LABELS, Paper, ParseIssue, SourceRef
from assistant.digest.naming import untitled_name

CATEGORY = re.compile(r"^(?P<name>\S.*?)\s*(?P<count>\d+)\s*篇\s*$")
TLDR = re.compile(r"^TL;DR\s*[:：]?\s*(?P<text>.*)$")
ABSTRACT_MARK = "查看完整摘要"
_FIELD_PREFIXES = {label.split()[0]: key for key, label in SECTION_LABELS.items()}
_FIELD_NAMES = {label.split()[1]: key for key, label in SECTION_LABELS.items()}


def _field_of(line: str) -> tuple[str, str] | None:
    """(section key, text) when the line is one of the six fields, else None."""
    for emoji, key in _FIELD_PREFIXES.items():
        if line.startswith(emoji):
            rest = line[len(emoji) :].lstrip("\ufe0f ").strip()
            name = SECTION_LABELS[key].split()[1]
            rest = rest.removeprefix(name).lstrip(":： ").strip()
            return key, rest
    for name, key in _FIELD_NAMES.items():
        if line.startswith(name):
            return key, line[len(name) :].lstrip(":： ").strip()
    return None


def _is_content_line(line: str) -> bool:
    return bool(
        _field_of(line)
        or TLDR.match(line)
        or line.startswith(ABSTRACT_MARK)
        or line.startswith("#")
    )


def looks_like(lines: list[str]) -> bool:
    """True when the text has the abstract marker or the field emojis of format B."""
    marks = sum(1 for line in lines if line.startswith(ABSTRACT_MARK))
    fields = sum(1 for line in lines if _field_of(line.strip()))
    return marks > 0 or fields >= 3


@dataclass
class _Entry:
    line: int  # 1-based line of the area line
    category: str | None
    area: str
    subcategory: str | None
    tags: list[str]
    body: list[tuple[int, str]] = field(default_factory=list)
    truncated: bool = False


def _split_entries(file: str, lines: list[str], issues: list[ParseIssue]) -> list[_Entry]:
    """Walk the file once, cutting it into paper entries under their categories."""
    entries: list[_Entry] = []
    category: str | None = None
    announced: dict[str, tuple[int, int]] = {}  # category -> (line, announced count)
    counts: dict[str, int] = {}
    known_areas: set[str] = set()
    stripped = [line.strip() for line in lines]
    n = len(stripped)

    def paper_starts_at(i: int) -> bool:
        return (
            i + 2 < n
            and bool(stripped[i])
            and bool(stripped[i + 1])
            and stripped[i + 2].startswith("#")
            and not _is_content_line(stripped[i])
            and not _is_content_line(stripped[i + 1])
        )

    i = 0
    while i < n:
        text = stripped[i]
        header = CATEGORY.match(text) if text else None
        if header and not paper_starts_at(i):
            category = header.group("name").strip()
            announced[category] = (i + 1, int(header.group("count")))
            counts.setdefault(category, 0)
            i += 1
            continue
        if paper_starts_at(i):
            tags = [t.strip() for t in stripped[i + 2].split("#") if t.strip()]
            entries.append(_Entry(i + 1, category, text, stripped[i + 1], tags))
            known_areas.add(text)
            if category is not None:
                counts[category] = counts.get(category, 0) + 1
            else:
                issues.append(
                    ParseIssue(file, i + 1, "warning", "paper before any category header.")
                )
            i += 3
            continue
        if text in known_areas and entries:
            # An area line without its subcategory and tags: the entry was cut short.
            entries.append(_Entry(i + 1, category, text, None, [], truncated=True))
            i += 1
            continue
        if text:
            if entries:
                entries[-1].body.append((i + 1, text))
            else:
                issues.append(
                    ParseIssue(
                        file,
                        i + 1,
                        "warning",
                        "line before the first paper is ignored (expected a category header "
                        "'名称N 篇' or an area / subcategory / #tags block).",
                    )
                )
        i += 1

    for name, (line_no, expected) in announced.items():
        if counts.get(name, 0) != expected:
            issues.append(
                ParseIssue(
                    file,
                    line_no,
                    "warning",
                    f"category '{name}' announces {expected} papers but {counts.get(name, 0)} "
                    "were read.",
                )
            )
    return entries


def _build(file: str, entry: _Entry, issues: list[ParseIssue]) -> Paper | None:
    def warn(line: int, message: str) -> None:
        issues.append(ParseIssue(file, line, "warning", message))

    tldr: str | None = None
    sections: dict[str, str] = {}
    abstract_lines: list[str] = []
    in_abstract = False
    current: str | None = None
    for line_no, text in entry.body:
        if in_abstract:
            abstract_lines.append(text)
        elif text.startswith(ABSTRACT_MARK):
            in_abstract = True
        elif (match := TLDR.match(text)) and not sections:
            tldr = match.group("text").strip() or None
        elif parsed := _field_of(text):
            current, sections[parsed[0]] = parsed[0], parsed[1]
        elif current is not None:
            sections[current] += " " + text
        else:
            warn(line_no, f"unexpected line before the fields: {text[:60]!r}; ignored.")

    abstract = " ".join(abstract_lines) or None
    if not sections and not abstract and not tldr:
        issues.append(
            ParseIssue(
                file,
                entry.line,
                "error",
                "entry is truncated: no fields and no abstract after its area line; skipped. "
                "Expected the six fields (🎯 ❓ 🔍 🛠️ 📊 ⭐) and '查看完整摘要 (Abstract)'.",
            )
        )
        return None
    missing = [SECTION_LABELS[key] for key in SECTION_LABELS if key not in sections]
    if missing:
        warn(entry.line, f"entry lacks the field(s) {', '.join(missing)}; read without them.")
    if abstract is None:
        warn(
            entry.line,
            "entry has no English abstract (expected '查看完整摘要 (Abstract)' followed by the "
            "abstract lines); read without it.",
        )
    if entry.truncated:
        warn(entry.line, "entry has no subcategory and #tags lines; read without them.")

    name, source = untitled_name({**sections, "abstract": abstract, "tldr": tldr})
    identity_text = abstract or "\n".join(sections.values()) or tldr or ""
    return Paper(
        paper_id=content_id(identity_text),
        display_name=name,
        name_source=source,  # type: ignore[arg-type]
        search_url=arxiv_search_url(name if source == "method" else None, abstract),
        category=entry.category,
        subcategory=entry.subcategory,
        area=entry.area,
        tags=entry.tags,
        tldr=tldr,
        sections=sections,
        abstract=abstract,
        sources=[SourceRef(file, entry.line, "B")],
    )


def parse(file: str, lines: list[str]) -> tuple[list[Paper], list[ParseIssue]]:
    """Read every entry; incomplete entries are kept with a warning when something is left."""
    issues: list[ParseIssue] = []
    papers = [
        paper
        for entry in _split_entries(file, lines, issues)
        if (paper := _build(file, entry, issues)) is not None
    ]
    return papers, issues
