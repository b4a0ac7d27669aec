"""Names fit for a sentence: what answers, lists and the sources panel call a paper.

    titled papers     the part of the title before a colon when it is a name ("VideoRoPE",
                      "s1"), else the title when it is short, else its head before a colon
                      or question mark, else the method the text introduces, else the title
                      cut at a clause
    untitled papers   the method or model name the text introduces ("GuardSpace"), else a
                      name the local model wrote at ingest (index/naming.py) and code checked
                      against the paper's own words, else a short phrase from the TL;DR or
                      abstract; derived names are always marked as such
    every paper       at most MAX_NAME characters, no LaTeX, and two papers never share one

The model is asked only for papers the text does not name; its names are cached with the
index, and the bundled digest ships them in `names.json` beside its files.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from assistant.digest.identity import method_name
from assistant.digest.model import Paper

MAX_NAME = 60
MAX_WORDS = 8
NAMES_FILE = "names.json"  # paper id -> name written by the model, beside digest files

_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+\{([^{}]*)\}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SUPERSCRIPT = re.compile(r"\^\{?(\d+)\}?")
_SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# Where a long title may be cut, most telling cut first.
_TITLE_CUTS = (
    r"\s+(?:with|via|through|using)\s+",
    r"\s+(?:for|by|from)\s+",
    r"\s+(?:are|is|to|in|on)\s+",
)
# Words that start the predicate of a background sentence ("Reward models are ...").
_PREDICATE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|can|could|may|might|remains?|relies|rely|shows?|"
    r"suffers?|demonstrates?|enables?|requires?|struggles?|achieves?|provides?|offers?|"
    r"improves?|emerged?|plays?|lacks?|fails?|becomes?|depends?|often|typically|"
    r"increasingly|widely|commonly|largely|yields?|faces?|holds?|promises?|reduces?|"
    r"increases?|boosts?|helps?|allows?|limits?|leads?|makes?|hinders?|degrades?|harms?|"
    r"affects?|drives?)\b",
    re.I,
)
_OWN_WORK = re.compile(r"^(?:we|this (?:paper|work|study)|in this (?:paper|work),?\s*we)\s+", re.I)
# A TL;DR written as an instruction ("Propose a …", "Study the …", "Find that …"): the
# verb and the article go, the object is the work.
_LEAD_VERB = re.compile(
    r"^(?:[a-z]+ly\s+)?(?:propose[sd]?|present[sd]?|introduce[sd]?|stud(?:y|ies|ied)|"
    r"investigate[sd]?|analy[sz]e[sd]?|examine[sd]?|explore[sd]?|find(?:s)?|train[sd]?|"
    r"design[sd]?|develop[sd]?|build[sd]?|show[sd]?|demonstrate[sd]?|evaluate[sd]?)"
    r"(?:\s+that)?\s+(?:(?:a|an|the)\s+)?",
    re.I,
)
# Where the object ends: a relative clause, a purpose, a manner.
_OBJECT_END = re.compile(r"\s+(?:that|which|where|when|whose|to|as|by|via|using|so)\s", re.I)
_TRAILING_WORD = re.compile(
    r"(?:\s+(?:and|or|of|for|in|on|with|the|a|an|from|at|into|over|than)\b)+$", re.I
)


def clean_latex(text: str) -> str:
    """'$N$-gram' -> 'N-gram', '\\mathsf{NP}' -> 'NP', 'd$^2$Cache' -> 'd²Cache'."""
    previous = None
    while previous != text:
        previous, text = text, _LATEX_COMMAND.sub(r"\1", text)
    text = _SUPERSCRIPT.sub(lambda m: m.group(1).translate(_SUPERSCRIPT_DIGITS), text)
    return text.replace("$", "").replace("\\", "")


def clip(text: str, max_words: int = MAX_WORDS, max_chars: int = MAX_NAME) -> str:
    """At most `max_words` words and `max_chars` characters, cut at a word boundary."""
    words = text.split()[:max_words]
    while words and len(" ".join(words)) > max_chars:
        words.pop()
    return " ".join(words).strip(" ,;:-.")


def title_name(title: str, *texts: str | None) -> str:
    """A titled paper's name (see the module docstring)."""
    title = clean_latex(title).strip()
    head, sep, _ = title.partition(": ")
    if sep and len(head.split()) <= 3 and len(head) <= 30:
        return head  # "s1", "LIMO", "Goku": the name the title itself puts first
    if len(title) <= MAX_NAME:
        return title
    for mark in (": ", "? "):
        head, sep, _ = title.partition(mark)
        if sep and 1 < len(head) < MAX_NAME:
            return head + ("?" if mark == "? " else "")
    name = method_name(title, *texts)
    if name:
        return name
    for cut in _TITLE_CUTS:
        head = re.split(cut, title, maxsplit=1, flags=re.I)[0].strip()
        if len(head) <= MAX_NAME and len(head.split()) >= 3:
            return head
    return clip(title)


def phrase_name(*texts: str | None) -> str | None:
    """A short phrase naming the work, from the first text that gives one: the subject of
    its first sentence, before the predicate ("Parallel LLM inference scaling")."""
    for text in texts:
        if not text:
            continue
        first = _SENTENCE_END.split(clean_latex(text).strip(), maxsplit=1)[0]
        first = _OWN_WORK.sub("", re.sub(r"\s*\([^)]*\)", "", first))
        instructed = _LEAD_VERB.match(first)
        if instructed and not instructed.group(0).rstrip().lower().endswith(" that"):
            first = first[instructed.end() :]
            end = _OBJECT_END.search(first)
            head = first[: end.start()] if end else first
        else:  # a statement, or a finding ("Find that LLMs are …"): its subject
            first = first[instructed.end() :] if instructed else first
            match = _PREDICATE.search(first)
            head = first[: match.start()] if match else first
        name = _TRAILING_WORD.sub("", clip(head))
        if len(name.split()) >= 2:
            return name[0].upper() + name[1:]
    return None


def untitled_name(paper_text: dict[str, str | None]) -> tuple[str, str]:
    """(name, source) for an untitled paper from its text alone: its method name, else a
    phrase ("phrase"), else the start of its first sentence ("abstract")."""
    sections = paper_text
    name = method_name(
        sections.get("method"), sections.get("problem"), sections.get("abstract"),
        sections.get("tldr"),
    )  # fmt: skip
    if name:
        return clean_latex(name), "method"
    phrase = phrase_name(sections.get("tldr"), sections.get("abstract"))
    if phrase:
        return phrase, "phrase"
    text = sections.get("abstract") or sections.get("tldr") or ""
    return clip(clean_latex(text)) or "Untitled paper", "abstract"


def needs_model_name(paper: Paper) -> bool:
    """True when the text gave no method name and no title: a model may name it better."""
    return paper.name_source in ("phrase", "abstract")


def valid_model_name(name: str, paper: Paper) -> str | None:
    """The model's name when it is short, not a sentence, and made of the paper's own
    words: a word that looks like a method name ("FreqKV") must occur in the text as is,
    and most other words must occur in it too (no invented names); else None."""
    name = clean_latex(name).strip().strip("\"'“”*#").splitlines()[0].strip() if name else ""
    name = re.sub(r"^(?:name|名称)\s*[:：]\s*", "", name, flags=re.I).rstrip(".。").strip()
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-]*", name)
    if not words or len(name.split()) > MAX_WORDS or len(name) > MAX_NAME:
        return None
    if _PREDICATE.search(name) or not re.fullmatch(r"[\w\s\-/&,:+().']+", name):
        return None
    text = " ".join(
        t for t in (paper.tldr, paper.abstract, *paper.sections.values(), " ".join(paper.tags)) if t
    )
    folded = text.lower()
    content = [w for w in words if len(w) > 3]
    for word in words:
        name_like = any(ch.isupper() for ch in word[1:]) or any(ch.isdigit() for ch in word)
        if name_like and word not in text:
            return None  # a method name the text does not have
    if len(words) == 1 and name not in text:
        return None  # one word must be the paper's own name
    if sum(w.lower()[:5] in folded for w in content) < 0.8 * len(content):
        return None
    return name[0].upper() + name[1:]


def read_names(folder: Path) -> tuple[dict[str, str], set[str]]:
    """The model-written names shipped beside digest files (paper id -> name), and the ids
    of papers the model was asked about without a name passing the check."""
    path = Path(folder) / NAMES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}, set()
    names = {str(k): str(v) for k, v in data.get("names", {}).items()}
    return names, {str(k) for k in data.get("tried", [])}


def apply_names(papers: Iterable[Paper], names: dict[str, str], tried: Iterable[str] = ()) -> None:
    """Give unnamed papers the checked names of `names` (paper id -> name); papers already
    tried keep their phrase and are not asked about again."""
    tried = set(tried)
    for paper in papers:
        if not needs_model_name(paper):
            continue
        name = names.get(paper.paper_id)
        checked = valid_model_name(name, paper) if name else None
        if checked:
            paper.display_name, paper.name_source = checked, "model"
        elif paper.paper_id in tried:
            paper.name_source = "text"


def disambiguate(papers: Iterable[Paper]) -> None:
    """Two papers never share a name: each twin gets a tag (or category) the other lacks."""
    by_name: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        by_name[paper.display_name.casefold()].append(paper)
    for twins in by_name.values():
        if len(twins) < 2:
            continue
        marks = []
        for paper in twins:
            others = {t for twin in twins if twin is not paper for t in twin.tags}
            own = [t for t in paper.tags if t not in others]
            marks.append(
                own[0] if own else paper.arxiv_id or paper.subcategory or paper.category or ""
            )
        if len(set(marks)) < len(marks) or not all(marks):
            marks = [f"{mark} {n}".strip() for n, mark in enumerate(marks, start=1)]
        for paper, mark in zip(twins, marks, strict=True):
            base = clip(paper.display_name, max_chars=MAX_NAME - len(mark) - 3)
            paper.display_name = f"{base} ({mark})"
