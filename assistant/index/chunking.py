"""Turning a Paper into chunks: one per section, bounded in tokens, each able to stand alone.

A titled paper (format A) gives its Chinese summary; an untitled one (format B) gives its
TL;DR, its six Chinese fields (grouped, a few to a chunk: they are short; problem and
method first, as together they say what the paper does) and its English abstract. Long
texts are split on sentence boundaries into parts of even size.

Every chunk is indexed for BM25. With `dense="all"` every chunk is also embedded; with
`dense="core"` only the chunks that say what a paper is about are: the first part of a
titled paper's summary and the first group of an untitled paper's Chinese fields (its
problem and method), or its first chunk when it has neither. Embedding is by far the
slowest step of an ingest and the core is a fifth of the text; on the development
questions, hybrid search over a core index lost little to an index of everything (the
English abstracts and TL;DRs are well served by BM25). Which chunks are embedded is not
part of a chunk's id, so changing it moves chunks across without re-embedding the rest.
Every chunk
carries a context line (the paper's name, Chinese title and category) that is embedded
and indexed with it but kept apart from its own text; the paper's tags are added to the
lexical text only (they are English keywords: useful to BM25, costly to embed on every
chunk).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from assistant.digest.model import SECTION_LABELS, Paper
from assistant.text.language import detect_language
from assistant.text.sentences import pack_sentences, split_sentences
from assistant.tokens import TokenCounter

# The Chinese fields in the order they are grouped: what the paper does first.
FIELD_GROUP_ORDER = ("problem", "method", "motivation", "analysis", "experiments", "contribution")
# Document order of sections, for listing a paper's chunks.
SECTION_ORDER = ("summary", "tldr", *SECTION_LABELS, "abstract")
# Bump when the way chunks are cut or worded changes: the index identity records it.
CHUNKER_VERSION = 1
# A derived display name can be a whole sentence; the context line keeps it short.
_CONTEXT_NAME_TOKENS = 40
_MIN_TEXT_TOKENS = 32


@dataclass(frozen=True)
class ChunkingParams:
    """The knobs of chunking; part of the index identity."""

    max_tokens: int = 400
    zh_fields_per_chunk: int = 2
    dense: str = "core"  # "all" chunks embedded, or only the "core" ones

    def describe(self) -> str:
        """What the chunk ids depend on (which chunks are embedded is not part of it)."""
        return (
            f"chunker-v{CHUNKER_VERSION};max_tokens={self.max_tokens};"
            f"zh_fields_per_chunk={self.zh_fields_per_chunk}"
        )


@dataclass(frozen=True)
class Chunk:
    """A piece of one paper, as indexed."""

    chunk_id: str
    paper_id: str
    section: str  # "summary", "tldr", a SECTION_LABELS key (first of a group), or "abstract"
    part: int  # position of this part within its section, from 0
    language: str  # "zh" or "en"
    text: str  # the chunk's own text
    context: str  # the line that makes it stand alone (name, Chinese title, category)
    keywords: str = ""  # the paper's tags, for the lexical index only
    embedded: bool = True  # False: indexed for BM25 only

    @property
    def embed_text(self) -> str:
        """What is embedded: context, then text."""
        return f"{self.context}\n{self.text}"

    @property
    def lexical_text(self) -> str:
        """What BM25 indexes: context, tags, then text."""
        return f"{self.context}\n{self.keywords}\n{self.text}"

    @property
    def content_hash(self) -> str:
        return self.chunk_id.rsplit(":", 1)[-1]


def field_label(key: str) -> str:
    """'motivation' -> '研究动机' (the digest's label without its emoji)."""
    return SECTION_LABELS[key].split(" ", 1)[-1]


def context_line(paper: Paper, counter: TokenCounter) -> str:
    """The paper's title (or name), Chinese title and category on one line."""
    name = paper.title_en or paper.display_name  # a full title carries more words to match
    if counter.count(name) > _CONTEXT_NAME_TOKENS:
        name = counter.truncate(name, _CONTEXT_NAME_TOKENS).rstrip() + "…"
    parts = [name]
    if paper.title_zh and paper.title_zh != name:
        parts.append(paper.title_zh)
    category = " / ".join(
        dict.fromkeys(c for c in (paper.category, paper.subcategory) if c)  # no repeats
    )
    if category:
        parts.append(category)
    return " | ".join(parts)


def chunk_paper(paper: Paper, params: ChunkingParams, counter: TokenCounter) -> list[Chunk]:
    """All chunks of one paper; the same input gives the same ids."""
    context = context_line(paper, counter)
    keywords = ", ".join(paper.tags)
    budget = max(_MIN_TEXT_TOKENS, params.max_tokens - counter.count(context) - 1)
    pieces: list[tuple[str, str]] = []  # (section, text)

    def add_split(section: str, text: str) -> None:
        for part in pack_sentences(split_sentences(text), budget, counter.count, counter.truncate):
            pieces.append((section, part))

    if paper.summary_zh:
        add_split("summary", paper.summary_zh)
    if paper.tldr:
        add_split("tldr", paper.tldr)
    for group in _field_groups(paper, params, budget, counter):
        # One field longer than the budget (rare) is split like any long text.
        if len(group) == 1 and counter.count(group[0][1]) > budget:
            add_split(group[0][0], group[0][1])
        else:
            pieces.append((group[0][0], "\n".join(text for _, text in group)))
    if paper.abstract:
        add_split("abstract", paper.abstract)

    core = _core_pieces(pieces) if params.dense == "core" else set(range(len(pieces)))
    chunks: list[Chunk] = []
    parts_seen: dict[str, int] = {}
    for index, (section, text) in enumerate(pieces):
        part = parts_seen.get(section, 0)
        parts_seen[section] = part + 1
        digest = hashlib.sha256(
            f"{CHUNKER_VERSION}\n{context}\n{keywords}\n{text}".encode()
        ).hexdigest()
        chunks.append(
            Chunk(
                chunk_id=f"{paper.paper_id}:{section}:{part}:{digest[:16]}",
                paper_id=paper.paper_id,
                section=section,
                part=part,
                language=detect_language(text),
                text=text,
                context=context,
                keywords=keywords,
                embedded=index in core,
            )
        )
    return chunks


def _core_pieces(pieces: list[tuple[str, str]]) -> set[int]:
    """Indexes of the pieces embedded in "core" mode (see the module docstring)."""
    core: set[int] = set()
    summaries = [i for i, (section, _) in enumerate(pieces) if section == "summary"]
    if summaries:
        core.add(summaries[0])
    fields = [i for i, (section, _) in enumerate(pieces) if section in SECTION_LABELS]
    if fields:
        core.add(fields[0])
    if not core and pieces:
        core.add(0)
    return core


def _field_groups(
    paper: Paper, params: ChunkingParams, budget: int, counter: TokenCounter
) -> list[list[tuple[str, str]]]:
    """The six Chinese fields as labelled lines, grouped within the token budget."""
    groups: list[list[tuple[str, str]]] = []
    size = 0
    for key in FIELD_GROUP_ORDER:
        body = paper.sections.get(key)
        if not body:
            continue
        line = f"{field_label(key)}：{body.strip()}"
        tokens = counter.count(line) + 1
        current = groups[-1] if groups else None
        if current is None or len(current) >= params.zh_fields_per_chunk or size + tokens > budget:
            groups.append([(key, line)])
            size = tokens
        else:
            current.append((key, line))
            size += tokens
    return groups


def chunk_papers(
    papers: list[Paper], params: ChunkingParams, counter: TokenCounter
) -> dict[str, list[Chunk]]:
    """Chunks of every paper, keyed by paper id, in the papers' order."""
    return {paper.paper_id: chunk_paper(paper, params, counter) for paper in papers}


def field_parts(section: str, text: str) -> list[tuple[str, str]]:
    """A chunk's text as (section, text) pieces: a group of Chinese fields comes apart
    into its fields (labels removed); any other chunk is one piece."""
    if section not in SECTION_LABELS:
        return [(section, text)]
    by_label = {f"{field_label(key)}：": key for key in SECTION_LABELS}
    parts: list[tuple[str, str]] = []
    for line in text.split("\n"):
        label = next((lbl for lbl in by_label if line.startswith(lbl)), None)
        if label is not None:
            parts.append((by_label[label], line[len(label) :].strip()))
        elif parts:
            parts[-1] = (parts[-1][0], f"{parts[-1][1]}\n{line}")
        else:
            parts.append((section, line))
    return parts or [(section, text)]
