"""Citations belong to code: check the model's [n] markers against the sources it was given.

The model only ever sees source numbers. Here every URL it wrote is removed, every marker
that names no source is removed and counted, each cited sentence is checked against the
cited source (lexical support, numbers present), unsupported citations are moved to the
source that does support the sentence or dropped, uncited sentences are attributed when a
source clearly supports them, and the markers are renumbered in order of first use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.answer.result import Citation, Flag, Source
from assistant.answer.text import number_is_grounded, numbers, split_sentences, terms

_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>，。；]+", re.I)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|www\.)[^)]*\)")
_MARKER = re.compile(r"\[(\d+(?:\s*[,，]\s*\d+)*)\]|【(\d+)】")
_ANCHOR = re.compile(r"[A-Za-z]*[A-Z][A-Za-z]*[A-Z0-9][\w\-]*|[A-Za-z]+\d[\w\-]*")

UNVERIFIED_NOTE = {"en": " (⚠ unverified: {numbers})", "zh": "（⚠ 未核实：{numbers}）"}

SupportFn = Callable[[str, str], float]


def lexical_support(sentence: str, source_text: str) -> float:
    """Share of the sentence's content terms, and of its names/numbers, found in the source."""
    sentence_terms = terms(sentence)
    source_terms = terms(source_text)
    lexical = len(sentence_terms & source_terms) / len(sentence_terms) if sentence_terms else 0.0
    names = set(_ANCHOR.findall(sentence))
    sentence_numbers = {n[0]: n for n in numbers(sentence)}
    if names or sentence_numbers:
        # Numbers compare by value: "84.6%" is in a source that writes "84.6\%".
        source_numbers = numbers(source_text)
        found = sum(1 for a in names if a.lower() in source_text.lower()) + sum(
            1 for n in sentence_numbers.values() if number_is_grounded(n, source_numbers)
        )
        return max(lexical, found / (len(names) + len(sentence_numbers)) * 0.9)
    return lexical


@dataclass
class CheckedAnswer:
    """The answer after the citation check, with what was removed, moved or flagged."""

    text: str
    citations: list[Citation]
    removed_citations: int = 0
    removed_urls: int = 0
    flags: list[Flag] = field(default_factory=list)
    supported_sentences: int = 0
    sentences: int = 0


def only_invented_numbers(raw: str, question: str, sources: Sequence[Source]) -> bool:
    """True when the answer brings numbers of its own and none of them is in any source:
    its point is then made up (a learning rate, a GPU count the digest never gives)."""
    asked = numbers(question)
    own = [n for n in numbers(_MARKER.sub(" ", raw)) if not number_is_grounded(n, asked)]
    source_numbers = [n for s in sources for n in numbers(s.text)]
    return bool(own) and not any(number_is_grounded(n, source_numbers) for n in own)


# "根据[1]，…" / "According to [1], …": once the marker moves to the sentence's end, the
# lead-in would be left dangling ("根据，…"), so it goes and the marker stays.
_LEAD_IN = re.compile(
    r"(?:根据|依据|参考)(?:资料|来源)?\s*((?:\[\d+\]\s*)+)(?:中|的(?:资料|信息|内容))?\s*[，,:：]?\s*"
    r"|\b(?:according to|as (?:shown|stated|reported|described) in|based on|per)\s*"
    r"(?:source\s*)?((?:\[\d+\]\s*)+)\s*,?\s*(\w?)",
    re.I,
)


def drop_lead_ins(text: str) -> str:
    """Remove "according to [n]," lead-ins, keeping their markers."""

    def keep_markers(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1).strip()
        return match.group(2).strip() + match.group(3).upper()

    return _LEAD_IN.sub(keep_markers, text)


def strip_urls(text: str) -> tuple[str, int]:
    """Remove every URL (and markdown link target) the model wrote; count them."""
    count = len(_MD_LINK.findall(text))
    text = _MD_LINK.sub(r"\1", text)
    count += len(_URL.findall(text))
    text = _URL.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text), count


def _keys(sentence: str) -> list[int]:
    keys: list[int] = []
    for match in _MARKER.finditer(sentence):
        for part in re.split(r"\s*[,，]\s*", match.group(1) or match.group(2)):
            if int(part) not in keys:
                keys.append(int(part))
    return keys


def _best_sentence(source: Source, sentence: str) -> str:
    """The sentence of the source that best supports an answer sentence (the snippet)."""
    wanted = terms(sentence)
    candidates = split_sentences(source.text) or [source.text]
    best = max(candidates, key=lambda s: len(wanted & terms(s)))
    return re.sub(r"^[^:：]{1,12}[:：]\s*", "", best)[:300]


def check_citations(
    raw: str,
    sources: Sequence[Source],
    language: str,
    *,
    support: SupportFn = lexical_support,
    min_support: float = 0.35,
    renumber: bool = True,
) -> CheckedAnswer:
    """Clean, verify and renumber the citations of a model answer.

    With renumber=False the source keys are kept (a report with a fixed reference list).
    """
    by_key = {s.key: s for s in sources}
    result = CheckedAnswer(text="", citations=[])
    number_of: dict[int, int] = {}  # source key -> final citation number
    snippets: dict[int, str] = {}
    out: list[str] = []
    for sentence in split_sentences(drop_lead_ins(raw)):
        sentence, urls = strip_urls(sentence)
        body = _MARKER.sub("", sentence).strip()
        keys = _keys(sentence)
        invented = [k for k in keys if k not in by_key]
        if invented:
            result.removed_citations += len(invented)
            result.flags.append(
                Flag("invented_citation_removed", ", ".join(f"[{k}]" for k in invented))
            )
        if urls:
            result.removed_urls += urls
            result.flags.append(Flag("url_removed", f"{urls} URL(s) removed from: {body[:60]}"))
            if len(terms(body)) < 3:
                continue  # the sentence was only there to point at the link
        if not re.search(r"\w", body):
            continue
        result.sentences += 1
        scores = {k: support(body, s.text) for k, s in by_key.items()}
        kept = [k for k in keys if k in by_key and scores[k] >= min_support]
        best = max(scores, key=scores.get) if scores else None
        for k in keys:
            if k in by_key and k not in kept:
                result.removed_citations += 1
        if not kept and best is not None and scores[best] >= min_support:
            kept = [best]
            kind = "citation_corrected" if keys else "citation_added"
            result.flags.append(Flag(kind, f"[{best}] for: {body[:80]}"))
        if kept:
            result.supported_sentences += 1
        elif len(terms(body)) >= 3:
            result.flags.append(Flag("unsupported_sentence", body[:120]))

        # Every number must be in a source the sentence cites (or in any source when none).
        pool = [by_key[k] for k in kept] or list(sources)
        source_numbers = [n for s in pool for n in numbers(s.text)]
        ungrounded = [n[0] for n in numbers(body) if not number_is_grounded(n, source_numbers)]
        if ungrounded:
            result.flags.append(Flag("ungrounded_number", ", ".join(ungrounded)))
            body += UNVERIFIED_NOTE[language].format(numbers=", ".join(ungrounded))

        markers = ""
        for k in kept:
            number = number_of.setdefault(k, len(number_of) + 1 if renumber else k)
            snippets.setdefault(k, _best_sentence(by_key[k], body))
            markers += f"[{number}]"
        out.append(_attach(body, markers, language))

    result.text = ("" if language == "zh" else " ").join(out).strip()
    result.citations = [
        Citation(number, by_key[key].paper, snippets[key]) for key, number in number_of.items()
    ]
    return result


def _attach(body: str, markers: str, language: str) -> str:
    """Put the markers before the sentence's closing punctuation."""
    if not markers:
        return body
    match = re.search(r"[。！？!?.;；]+$", body)
    if match:
        # Cutting the marker out of "LongBench [1]." left a space before the full stop.
        head = body[: match.start()].rstrip()
        return head + ("" if language == "zh" else " ") + markers + match.group(0)
    return f"{body} {markers}"
