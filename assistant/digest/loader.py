"""Reading digest files and folders into one de-duplicated list of papers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.digest import format_a, format_b
from assistant.digest.identity import normalize_ref, normalize_text
from assistant.digest.model import Paper, ParseIssue
from assistant.digest.naming import apply_names, disambiguate, read_names
from assistant.errors import DigestError

DIGEST_SUFFIXES = {".txt", ".md", ".markdown"}
PARSERS = {"A": format_a, "B": format_b}


@dataclass
class DigestLoad:
    """The papers read from a set of digest files, and every problem met on the way."""

    papers: list[Paper] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # file -> detected format

    def get(self, ref: str) -> Paper | None:
        wanted = normalize_ref(ref)
        return next((p for p in self.papers if p.paper_id == wanted), None)


def detect_format(lines: list[str]) -> str | None:
    """'A', 'B', or None: decided by the text, never by the file name."""
    if format_a.looks_like(lines):
        return "A"
    if format_b.looks_like(lines):
        return "B"
    return None


# Undecodable bytes as a share of a file's non-ASCII characters: a UTF-8 file with a few
# damaged bytes stays well below this (it is read as UTF-8, damage replaced); a file in
# another encoding (GB18030, Big5, …) is nearly all damage to a UTF-8 reader.
_DAMAGED_SHARE = 0.2


def _decode(file: str, raw: bytes, issues: list[ParseIssue]) -> str | None:
    """The file's text: UTF-8, else the encoding detected (GB18030, Big5, …), else None
    (an error is recorded and nothing of the file is used)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="replace")
    bad = [n for n, line in enumerate(text.split("\n"), start=1) if "\ufffd" in line]
    damaged = text.count("\ufffd")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    if damaged <= _DAMAGED_SHARE * non_ascii:
        shown = ", ".join(str(n) for n in bad[:5]) + (" …" if len(bad) > 5 else "")
        issues.append(
            ParseIssue(
                file,
                bad[0],
                "warning",
                f"file is not valid UTF-8 (bad bytes on line(s) {shown}); those characters "
                "were replaced. Re-save the file as UTF-8 to read it exactly.",
            )
        )
        return text
    from charset_normalizer import from_bytes

    guess = from_bytes(raw).best()
    if guess is None or guess.encoding in ("utf_8", "ascii"):
        issues.append(
            ParseIssue(
                file,
                bad[0],
                "error",
                "file is not UTF-8 and its encoding could not be recognised; nothing of it "
                "was read. Re-save it as UTF-8.",
            )
        )
        return None
    name = guess.encoding.replace("_", "-").upper()
    issues.append(
        ParseIssue(
            file,
            1,
            "warning",
            f"file is encoded as {name}, not UTF-8; it was read as {name}. Re-save it as "
            "UTF-8 to avoid this guess.",
        )
    )
    return str(guess)


def read_digest_file(path: Path) -> tuple[list[Paper], list[ParseIssue], str | None]:
    """Parse one file: (papers, issues, detected format or None)."""
    file = str(path)
    issues: list[ParseIssue] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [ParseIssue(file, 1, "error", f"cannot read the file: {exc.strerror}.")], None
    if not raw.strip():
        issues.append(
            ParseIssue(file, 1, "error", "file is empty; expected a digest in format A or B.")
        )
        return [], issues, None
    text = _decode(file, raw, issues)
    if text is None:
        return [], issues, None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fmt = detect_format(lines)
    if fmt is None:
        issues.append(
            ParseIssue(
                file,
                1,
                "error",
                "unknown digest format; expected format A ('## English title' lines, each "
                "followed by '[Chinese title](link)' and a summary) or format B (category "
                "headers '名称N 篇', fields 🎯 ❓ 🔍 🛠️ 📊 ⭐ and '查看完整摘要 (Abstract)').",
            )
        )
        return [], issues, None
    papers, parse_issues = PARSERS[fmt].parse(file, lines)
    return papers, issues + parse_issues, fmt


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the digest files inside folders (sorted, recursive)."""
    files: list[Path] = []
    for path in paths:
        path = Path(path).expanduser()
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in DIGEST_SUFFIXES)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise DigestError(
                "no such file or folder.",
                file=str(path),
                hint="Check the path, or leave it out to use the bundled digest.",
            )
    return files


def _merge(into: Paper, other: Paper) -> None:
    """Fold a second sighting of a paper into the first record, keeping both sources."""
    into.sources.extend(s for s in other.sources if s not in into.sources)
    for name in (
        "title_en",
        "title_zh",
        "link",
        "link_kind",
        "arxiv_id",
        "summary_zh",
        "abstract",
        "tldr",
        "category",
        "subcategory",
        "area",
    ):
        if getattr(into, name) is None and getattr(other, name) is not None:
            setattr(into, name, getattr(other, name))
    for key, text in other.sections.items():
        into.sections.setdefault(key, text)
    into.tags.extend(t for t in other.tags if t not in into.tags)
    if into.name_is_derived and not other.name_is_derived:
        into.display_name, into.name_source = other.display_name, other.name_source
    if into.link:
        into.search_url = None


def merge_duplicates(papers: list[Paper]) -> list[Paper]:
    """One record per paper: same arXiv id / content id, or the same normalized abstract."""
    by_id: dict[str, Paper] = {}
    by_abstract: dict[str, Paper] = {}
    merged: list[Paper] = []
    for paper in papers:
        key = normalize_text(paper.abstract) if paper.abstract else None
        twin = by_id.get(paper.paper_id) or (by_abstract.get(key) if key else None)
        if twin is not None:
            _merge(twin, paper)
            continue
        by_id[paper.paper_id] = paper
        if key:
            by_abstract[key] = paper
        merged.append(paper)
    return merged


def load_digests(paths: Iterable[Path], *, strict: bool = False) -> DigestLoad:
    """Read every digest file under `paths`; with strict, any issue fails the load."""
    load = DigestLoad()
    found: list[Paper] = []
    for path in expand_paths(paths):
        papers, issues, fmt = read_digest_file(path)
        found.extend(papers)
        load.issues.extend(issues)
        load.files[str(path)] = fmt or "unknown"
    load.papers = merge_duplicates(found)
    folders = {Path(f).parent for f in load.files}
    for folder in sorted(folders):
        apply_names(load.papers, *read_names(folder))
    disambiguate(load.papers)
    if strict and load.issues:
        listed = "; ".join(str(issue) for issue in load.issues[:10])
        more = f" (and {len(load.issues) - 10} more)" if len(load.issues) > 10 else ""
        first = load.issues[0]
        raise DigestError(
            f"{len(load.issues)} problem(s) in the digest, and --strict is on: {listed}{more}.",
            file=first.file,
            line=first.line,
            hint="Fix the lines named, or run without --strict to read the good entries.",
        )
    return load
