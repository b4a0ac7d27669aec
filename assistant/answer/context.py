"""Choosing what the model reads: the most relevant sentences of each retrieved paper,
numbered [1], [2], ... within a token budget.

The local model has a small context and reads about 130 tokens/s, so every token counts:
sentences are chosen by relevance to the question (the 📊 field when numbers are asked,
sentences the retriever matched, the question's own terms), never the first N characters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answer.result import Source
from assistant.digest import SECTION_LABELS, Paper
from assistant.text.language import detect_language
from assistant.text.sentences import split_sentences
from assistant.text.terms import terms

SECTION_NAMES = {**SECTION_LABELS, "summary": "摘要", "tldr": "TL;DR", "abstract": "Abstract"}
_NUMERIC_QUESTION = re.compile(
    r"多少|几|百分|比例|提升|提高|降低|准确率|分数|得分|倍|规模|参数量|数据集|"
    r"how many|how much|what percentage|percent|score|accuracy|speed-?up|faster|"
    r"improv|reduc|size|number|(?<![A-Za-z\-])\d",  # not a name's digit: "s1", "GPT-4o"
    re.I,
)
_METHOD_QUESTION = re.compile(
    r"如何|怎么|怎样|方法|机制|how does|how do|how is|method|approach", re.I
)


# The answer itself is a figure: "多少", "how many", "what accuracy". (Narrower than the
# above, which also holds for "how does it improve …", where figures help but are not asked.)
_FIGURE_QUESTION = re.compile(
    r"多少|几(?=[个项种倍天小时层步次张篇轮名位亿万千百十])|百分之几|how many|how much|"
    r"what (?:percentage|fraction|share)|by how|by what factor|"
    r"what (?:is |was |are |were )?(?:the |its |their )?(?:[\w@-]+ )?"
    r"(?:accuracy|score|f1|bleu|rouge|latency|speed-?up|win rate|pass@\d+|error rate)\b",
    re.I,
)


def asks_for_numbers(question: str) -> bool:
    """True when the question is about figures (a count, a score, a change)."""
    return bool(_NUMERIC_QUESTION.search(question))


def asks_for_a_figure(question: str) -> bool:
    """True when what the question asks for is a figure."""
    return bool(_FIGURE_QUESTION.search(question))


# A sentence far below the paper's best one is left out once a few are in.
MIN_RELATIVE_SCORE = 0.3
MIN_SENTENCES = 3
# Weight of the embedder's similarity for the sentences of a paper written only in the
# other language: "budget forcing" shares no word with "预算强制算法", but the meaning is close.
CROSS_WEIGHT = 1.0
# Papers (by rank) whose other-language sentences are scored by meaning: the embedder costs
# about 40 ms a sentence here, so only the first ones.
CROSS_PAPERS = 2
# Share of the budget for the paper at each rank (renormalised to the papers present).
_RANK_SHARES = (0.36, 0.24, 0.16, 0.12, 0.12)


@dataclass
class _Unit:
    section: str
    order: int
    text: str
    chunk_id: str
    score: float


def _units(chunks: Sequence[Any]) -> list[_Unit]:
    units = []
    for order, chunk in enumerate(chunks):
        for sentence in split_sentences(chunk.text):
            units.append(_Unit(chunk.section, order, sentence, chunk.chunk_id, 0.0))
    return units


def _score(
    unit: _Unit, q_terms: set[str], numeric: bool, method: bool, lang: str, matched: set[str]
) -> float:
    overlap = len(q_terms & terms(unit.text))
    score = overlap / math.sqrt(len(q_terms) or 1)
    if unit.chunk_id in matched:
        score += 0.3
    if numeric and re.search(r"\d", unit.text):
        score += 0.35 + (0.25 if unit.section == "experiments" else 0.0)
    if method and unit.section in ("method", "summary", "abstract"):
        score += 0.15
    if unit.section in ("tldr", "problem"):
        score += 0.1  # a one-line statement of the paper helps the model place it
    if detect_language(unit.text) == lang:
        score += 0.05
    return score


def _titled_name(paper: Paper) -> str:
    name = paper.display_name
    if paper.title_en and paper.title_en != name:
        name = f"{name} ({paper.title_en})"
    if paper.title_zh and paper.title_zh != paper.display_name:
        name = f"{name} / {paper.title_zh}"
    return name


def header_of(key: int, paper: Paper) -> str:
    """The first line of a source: its number and name, with its full English title and its
    Chinese title when it has them (an English question about a paper summarised only in
    Chinese finds its words in the title)."""
    return f"[{key}] {_titled_name(paper)}"


def _titled_sources(sources: Sequence[Source]) -> list[tuple[Source, str]]:
    """Each source whose header carries a title beside its name, with that titled name. Only
    such headers are recognised in an answer: a bare name is the paper being spoken of."""
    titled = [(source, _titled_name(source.paper)) for source in sources]
    return [(source, name) for source, name in titled if name != source.paper.display_name]


def _header_lines(answer: str, sources: Sequence[Source]) -> list[tuple[re.Match[str], Source]]:
    """Lines of `answer` that open with a source's header."""
    found = []
    for source, titled in _titled_sources(sources):
        pattern = r"(?m)^[ \t]*(?:\[\d+\][ \t]*)?" + re.escape(titled)
        found += [(match, source) for match in re.finditer(pattern, answer)]
    return sorted(found, key=lambda pair: pair[0].start())


def trim_echoed_sources(answer: str, sources: Sequence[Source]) -> tuple[str, int]:
    """The answer without the copy of the context block the model may write after it (from
    the first line, after some answer text, that opens with a source's header: "[1] Diving
    into … / 深入探讨…" and its field text), and how many characters were cut. An answer that
    opens with a header (the small model's way of naming the paper a "which paper" question
    asks for) opens with the paper's name and marker instead; a header inside a line is
    taken out."""
    opening: tuple[re.Match[str], Source] | None = None
    cut = None
    for match, source in _header_lines(answer, sources):
        if answer[: match.start()].strip():
            cut = match.start()
            break
        opening = opening or (match, source)
    trimmed = answer if cut is None else answer[:cut]
    if opening is not None:
        match, source = opening
        named = f"{source.paper.display_name} [{source.key}]"
        trimmed = trimmed[: match.start()] + named + trimmed[match.end() :]
    removed = 0 if cut is None else len(answer) - cut
    # A header inside a line ("…密集训练。 [4] Process Reinforcement … / 通过隐式…") says
    # nothing: it goes, and the text after it stays.
    for source, titled in _titled_sources(sources):
        inline = rf"(?<=\S)[ \t]*\[{source.key}\][ \t]*{re.escape(titled)}"
        before = len(trimmed)
        trimmed = re.sub(inline, "", trimmed)
        removed += before - len(trimmed)
    return trimmed, removed


def select_sentences(
    question: str,
    hit: Any,
    chunks: Sequence[Any],
    budget: int,
    count_tokens: Callable[[str], int],
    similarity: Callable[[str, list[str]], list[float]] | None = None,
) -> tuple[str, list[str]]:
    """The best sentences of one paper within `budget` tokens, in document order.
    `similarity` (question, sentences) -> meaning scores, for sentences in the other
    language."""
    q_terms = terms(question)
    numeric = asks_for_numbers(question)
    method = bool(_METHOD_QUESTION.search(question))
    lang = detect_language(question)
    matched = {c.chunk_id for c in getattr(hit, "chunks", [])}
    units = _units(chunks)
    for unit in units:
        unit.score = _score(unit, q_terms, numeric, method, lang, matched)
    same_language = [detect_language(u.text) == lang for u in units]
    if similarity is not None and units and not any(same_language):
        # Nothing to match words with (an English question, a paper summarised only in
        # Chinese): the sentences are scored by meaning.
        closeness = similarity(question, [u.text for u in units])
        for unit, close in zip(units, closeness, strict=True):
            unit.score += CROSS_WEIGHT * max(0.0, close)

    chosen: list[_Unit] = []
    used = 0
    ranked = sorted(units, key=lambda u: -u.score)
    floor = ranked[0].score * MIN_RELATIVE_SCORE if ranked else 0.0
    for unit in ranked:
        if unit.score < floor and len(chosen) >= MIN_SENTENCES:
            break  # the rest is noise for a small model
        # Reserve room for the section label too (shared by consecutive units in practice).
        label = SECTION_NAMES.get(unit.section, unit.section)
        cost = count_tokens(unit.text) + count_tokens(label) + 3
        if used + cost > budget:
            continue
        chosen.append(unit)
        used += cost
    chosen.sort(key=lambda u: (u.order, units.index(u)))

    lines: list[str] = []
    current = None
    for unit in chosen:
        if unit.section != current:
            lines.append(f"{SECTION_NAMES.get(unit.section, unit.section)}: {unit.text}")
            current = unit.section
        else:
            lines[-1] += " " + unit.text
    return "\n".join(lines), sorted({u.chunk_id for u in chosen})


def build_sources(
    question: str,
    hits: Sequence[Any],
    chunks_of: Callable[[str], Sequence[Any]],
    budget: int,
    count_tokens: Callable[[str], int],
    paper_cap: int | None = None,
    similarity: Callable[[str, list[str]], list[float]] | None = None,
) -> list[Source]:
    """Numbered sources for the prompt, one per retrieved paper, within `budget` tokens
    (and `paper_cap` tokens per paper); `similarity` scores the first papers' sentences in
    the other language by meaning."""
    shares = _RANK_SHARES[: len(hits)]
    total = sum(shares) or 1.0
    sources: list[Source] = []
    spare = 0
    for key, (hit, share) in enumerate(zip(hits, shares, strict=False), start=1):
        header = header_of(key, hit.paper)
        paper_budget = int(budget * share / total) + spare - count_tokens(header) - 3
        if paper_cap is not None:
            paper_budget = min(paper_budget, paper_cap)
        text, chunk_ids = select_sentences(
            question, hit, chunks_of(hit.paper.paper_id), paper_budget, count_tokens,
            similarity if key <= CROSS_PAPERS else None,
        )  # fmt: skip
        spare = max(
            0, int(budget * share / total) + spare - count_tokens(header) - 3 - count_tokens(text)
        )
        sources.append(Source(key, hit.paper, text, chunk_ids))
    return sources


def render_sources(sources: Sequence[Source]) -> str:
    """The context block the model reads."""
    return "\n\n".join(f"{header_of(s.key, s.paper)}\n{s.text}" for s in sources)
