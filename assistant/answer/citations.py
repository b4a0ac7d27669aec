"""Citations belong to code: check the model's [n] markers against the sources it was given.

The model only ever sees source numbers. Here markers it used as names get the paper's name
(names.py), every URL it wrote is removed, every marker that names no source is removed
and counted, each cited sentence is checked against the cited source (lexical support with
the paper's names and titles, numbers stated about the same thing: grounding.py),
unsupported citations are moved to the source that does support the sentence (never away
from a paper the sentence names) or dropped, uncited sentences are attributed when a source
clearly supports them, claims with a number no source states are dropped, and the markers
are renumbered in order of first use.

`check_sentence` judges one sentence; `check_citations` runs it over an answer and
assembles the checked text and its citation list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.answer.context import trim_echoed_sources
from assistant.answer.grounding import invented_names, ungrounded_numbers
from assistant.answer.names import (
    attributed,
    can_be_attributed,
    name_markers,
    name_subject,
)
from assistant.answer.restating import restates
from assistant.answer.result import Citation, Flag, Source
from assistant.answer.support import (
    SupportFn,
    entry_text,
    identity_text,
    lexical_support,
    mentions,
    without_names,
)
from assistant.digest.model import Paper
from assistant.text.links import strip_urls
from assistant.text.markers import marker_keys, strip_markers
from assistant.text.numbers import is_stated, numbers
from assistant.text.sentences import split_sentences, strip_label
from assistant.text.terms import terms


def only_invented_numbers(raw: str, question: str, sources: Sequence[Source]) -> bool:
    """True when the answer brings numbers of its own and none of them is in any source:
    its point is then made up (a learning rate, a GPU count the digest never gives)."""
    asked = numbers(question)
    own = [n for n in numbers(strip_markers(raw)) if not is_stated(n, asked)]
    source_numbers = [n for s in sources for n in numbers(s.text)]
    return bool(own) and not any(is_stated(n, source_numbers) for n in own)


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


@dataclass
class SentenceCheck:
    """What the check decided about one sentence of an answer."""

    body: str  # the sentence without markers or URLs
    cited: list[int] = field(default_factory=list)  # source keys that stand, in order
    removed: int = 0  # markers dropped (invented, or not supported)
    urls: int = 0
    flags: list[Flag] = field(default_factory=list)
    keep: bool = True  # False: the sentence is dropped from the answer
    counts: bool = True  # a sentence with words, counted for support
    supported: bool = False
    ungrounded: bool = False  # dropped: a number no cited source states about the same thing


# A sentence citing several papers keeps those whose support is at least this share of the
# best one's: the others only share a few of its words.
CO_CITATION_SHARE = 0.5


def _tidy(text: str) -> str:
    """Spacing left by removed markers: "KVZip  reduces", "memory ." """
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"\s+([,.;:!?，。；：！？、])", r"\1", text).strip()


def check_sentence(
    sentence: str,
    by_key: dict[int, Source],
    language: str,
    *,
    support: SupportFn,
    min_support: float,
    question: str = "",
    strict: bool = False,
) -> SentenceCheck:
    """Check one sentence's markers, support and numbers against the sources. `strict`:
    a sentence no source supports is not shown even when it states nothing specific.

    A sentence that names a source's paper can only cite that paper: its citation is never
    moved elsewhere. Support is judged against the paper's text and what identifies it
    (names, titles, tags). A number must be stated by a cited source about the same thing
    (grounding.py), or the sentence is dropped.
    """
    sentence, urls = strip_urls(sentence)
    body = _tidy(strip_markers(sentence))
    keys = marker_keys(sentence)
    check = SentenceCheck(body=body, urls=urls)
    invented = [k for k in keys if k not in by_key]
    if invented:
        check.removed += len(invented)
        check.flags.append(Flag("invented_citation_removed", ", ".join(f"[{k}]" for k in invented)))
    if urls:
        check.flags.append(Flag("url_removed", f"{urls} URL(s) removed from: {body[:60]}"))
        if len(terms(body)) < 3:
            check.keep = check.counts = False  # the sentence was only there to point at the link
            return check
    if not re.search(r"\w", body):
        check.keep = check.counts = False
        return check

    if any(_marker_inside(sentence, k) for k in invented):
        # A marker naming no source where a word belongs ("costs about [2] dollars"): what
        # it stood for is unknown, so the sentence is not shown.
        check.keep = check.supported = False
        check.flags.append(Flag("unsupported_sentence", body[:120]))
        return check

    known = [question, *(f"{s.text}\n{entry_text(s.paper)}" for s in by_key.values())]
    made_up = invented_names(body, known)
    if made_up:
        # A name no source and not the question gives ("… the GPU used was Power9").
        check.keep = check.supported = False
        check.flags.append(Flag("invented_name", ", ".join(made_up)))
        return check

    named = [k for k, s in by_key.items() if mentions(body, s.paper)]
    candidates = named or list(by_key)
    # The names code wrote are not evidence: the rest of the sentence must be supported.
    claim = without_names(body, [by_key[k].paper for k in named])
    if named and not terms(claim):
        scores = {k: 1.0 for k in named}  # only a name ("DiaBlo [2]"): it claims nothing else
    else:
        scores = {
            k: support(claim, f"{by_key[k].text}\n{identity_text(by_key[k].paper)}")
            for k in candidates
        }
    kept = [k for k in keys if k in scores and scores[k] >= min_support]
    if len(kept) > 1:
        # "[1][2] 在 Nemotron-Nano 上进行实验…": [1]'s text says it (0.94), [2] shares a few
        # words (0.35). A paper the sentence names keeps its citation.
        best = max(scores[k] for k in kept)
        kept = [k for k in kept if k in named or scores[k] >= CO_CITATION_SHARE * best]
    check.removed += sum(1 for k in keys if k in by_key and k not in kept)
    if not kept:
        # A question about one paper ("What does the s1 paper's budget forcing do?") is
        # answered about it: a citation is added or moved only to the paper it names.
        subject = [k for k in scores if mentions(question, by_key[k].paper)] if question else []
        allowed = {k: scores[k] for k in subject} if len(subject) == 1 and not named else scores
        best = _best_source(body, allowed, by_key, min_support, question)
        if best is not None:
            kept = [best]
            kind = "citation_corrected" if keys else "citation_added"
            check.flags.append(Flag(kind, f"[{best}] for: {body[:80]}"))
    check.supported = bool(kept)
    if not kept and len(terms(body)) >= 3:
        check.flags.append(Flag("unsupported_sentence", body[:120]))
        if strict or named or numbers(body) or urls:
            # A specific claim no source backs is not shown, nor one whose link was cut
            # out of it ("available at for …").
            check.keep = False
        if numbers(body):
            check.ungrounded = True
            written = ", ".join(n.written for n in numbers(body))
            check.flags.append(Flag("ungrounded_number", written))

    if check.keep:
        _drop_ungrounded_claims(check, [by_key[k] for k in kept] or list(by_key.values()), question)
    check.cited = kept if check.keep else []
    subject = re.match(r"\s*\[(\d+)\]", sentence)
    if check.keep and kept and subject and int(subject.group(1)) not in by_key:
        # "[2] proposes ..." with no source [2]: the paper it is about is the one cited.
        check.body = f"{by_key[kept[0]].paper.display_name} {check.body}"
    return check


def _marker_inside(sentence: str, key: int) -> bool:
    """True when marker [key] stands between words inside the sentence ("about [2] dollars"),
    not as its subject at the start."""
    return bool(re.search(rf"\S\s*\[{key}\]\s*[\w\u4e00-\u9fff$]", sentence.strip()))


def _best_source(
    body: str,
    scores: dict[int, float],
    by_key: dict[int, Source],
    min_support: float,
    question: str,
) -> int | None:
    """The source to cite for an uncited (or wrongly cited) sentence: among those that
    support it, the one that states its numbers, then the one retrieval ranked higher."""
    backing = [k for k, score in scores.items() if score >= min_support]
    if not backing:
        return None

    def rank(key: int) -> tuple[int, int]:
        words = terms(identity_text(by_key[key].paper))
        missing = ungrounded_numbers(body, [by_key[key].text], question, exclude=words)
        return (len(missing), key)

    return min(backing, key=rank)


def _drop_ungrounded_claims(check: SentenceCheck, pool: list[Source], question: str) -> None:
    """Remove the clauses whose numbers no cited source states about the same thing; the
    sentence goes when nothing that says something is left."""
    paper_words = {t for s in pool for t in terms(identity_text(s.paper))}
    texts = [s.text for s in pool]
    entries = [entry_text(s.paper) for s in pool]
    ungrounded = ungrounded_numbers(
        check.body, texts, question, exclude=paper_words, entries=entries
    )
    if not ungrounded:
        return
    check.flags.append(Flag("ungrounded_number", ", ".join(n.written for n in ungrounded)))
    check.ungrounded = True
    end = re.search(r"[。！？!?.;；]+$", check.body)
    closing = end.group(0) if end else ""
    body = check.body[: end.start()] if end else check.body
    clauses = re.split(r"(?<=[,;，；])\s*|\s+(?=and\s)", body)

    def grounded(text: str) -> bool:
        return not ungrounded_numbers(text, texts, question, exclude=paper_words, entries=entries)

    kept = [c for c in clauses if grounded(c)]
    rest = " ".join(kept).strip(" ,;，；") if len(kept) < len(clauses) else ""
    if rest and len(terms(rest)) >= 3 and grounded(rest):
        check.body = rest + closing  # the rest of the sentence stands
        return
    check.keep = check.supported = False


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
    dropped_claims: int = 0  # sentences dropped for a number no source states


def _best_sentence(source: Source, sentence: str) -> str:
    """The sentence of the source that best supports an answer sentence (the snippet)."""
    wanted = terms(sentence)
    candidates = split_sentences(source.text) or [source.text]
    best = max(candidates, key=lambda s: len(wanted & terms(s)))
    return strip_label(best, 12)[:300]


def check_citations(
    raw: str,
    sources: Sequence[Source],
    language: str,
    *,
    support: SupportFn = lexical_support,
    min_support: float = 0.35,
    renumber: bool = True,
    question: str = "",
    asked_as: str | None = None,
    attribute: bool = False,
    strict: bool = False,
) -> CheckedAnswer:
    """Name, clean, verify and renumber the citations of a model answer.

    Markers used as names get the paper's name first (names.py). With renumber=False the
    source keys are kept (a report with a fixed reference list). `asked_as`: the question
    as the user wrote it, when sentences that only restate it are to be dropped (a question
    that names its paper; restating.py). With `attribute`, a cited paper the answer never
    names is named where it is first cited ("According to s1, …"); with `strict`, a
    sentence no source supports is not shown even when it states nothing specific.
    """
    by_key = {s.key: s for s in sources}
    # The papers a question names: naming them again answers nothing (restating.py).
    subject = [s.paper for s in sources if mentions(question, s.paper)] if asked_as else []
    result = CheckedAnswer(text="", citations=[])
    raw, cut = trim_echoed_sources(raw, sources)
    if cut:
        result.flags.append(Flag("echoed_sources", f"{cut} characters cut"))
    number_of: dict[int, int] = {}  # source key -> final citation number
    snippets: dict[int, str] = {}
    kept: list[tuple[str, dict[int, str]]] = []  # sentence bodies and their markers
    named = name_markers(raw, {k: s.paper.display_name for k, s in by_key.items()})
    for sentence in split_sentences(drop_lead_ins(named), markers=True):
        check = check_sentence(
            sentence, by_key, language, support=support, min_support=min_support,
            question=question, strict=strict,
        )  # fmt: skip
        if (
            check.keep
            and asked_as
            and _restates_for_another(check, kept, subject, asked_as, by_key)
        ):
            check.keep = check.supported = False
            check.flags.append(Flag("restates_question", check.body[:120]))
        result.removed_citations += check.removed
        result.removed_urls += check.urls
        result.flags.extend(check.flags)
        result.sentences += check.counts
        result.supported_sentences += check.supported
        result.dropped_claims += check.ungrounded
        if not check.keep:
            continue
        body = check.body
        if len(check.cited) == 1:
            body = name_subject(body, by_key[check.cited[0]].paper.display_name)
        if any(body == earlier for earlier, _ in kept):
            result.flags.append(Flag("repeated_sentence", body[:80]))
            continue  # a small model repeats itself; the reader needs it once
        markers: dict[int, str] = {}
        for k in check.cited:
            number = number_of.setdefault(k, len(number_of) + 1 if renumber else k)
            snippets.setdefault(k, _best_sentence(by_key[k], check.body))
            markers[k] = f"[{number}]"
        kept.append((body, markers))

    if attribute:
        _attribute(kept, by_key, language, question)
    out = [_place_markers(body, markers, by_key, language) for body, markers in kept]
    result.text = ("" if language == "zh" else " ").join(out).strip()
    result.citations = [
        Citation(number, by_key[key].paper, snippets[key]) for key, number in number_of.items()
    ]
    return result


def _restates_for_another(
    check: SentenceCheck,
    kept: list[tuple[str, dict[int, str]]],
    subject: list[Paper],
    asked_as: str,
    by_key: dict[int, Source],
) -> bool:
    """A sentence that only says the question back (restating.py) goes when the question
    names its paper, or when it cites a paper no earlier sentence cites: after an answer
    from one paper, "MoE Efficiency Study 总参数 6710 亿…的那个 MoE 模型[2]。" only claims
    that another paper fits the description."""
    if subject:
        return restates(check.body, asked_as, subject)
    cited_before = {key for _, markers in kept for key in markers}
    if not cited_before or set(check.cited) & cited_before:
        return False  # the first claim, or one more about a paper already cited
    return restates(check.body, asked_as, [source.paper for source in by_key.values()])


def _attribute(
    kept: list[tuple[str, dict[int, str]]], by_key: dict[int, Source], language: str, question: str
) -> None:
    """Name each cited paper that neither the question nor the answer names, in the first
    sentence citing it."""

    text = " ".join([question, *(body for body, _ in kept)])
    for index, (body, markers) in enumerate(kept):
        unnamed = [k for k in markers if not mentions(text, by_key[k].paper)]
        if len(unnamed) == 1 and can_be_attributed(body):
            name = by_key[unnamed[0]].paper.display_name
            kept[index] = (attributed(body, name, language), markers)
            text = " ".join([question, *(body for body, _ in kept)])


def _place_markers(
    body: str, markers: dict[int, str], by_key: dict[int, Source], language: str
) -> str:
    """A sentence naming several cited papers keeps each marker right after its paper's name
    ("KVTC [1] and ProtoKV [2] ..."); otherwise the markers close the sentence."""
    placed = dict(markers)
    if len(markers) > 1:
        for key, marker in markers.items():
            name = by_key[key].paper.display_name.split(" (", 1)[0]
            at = body.find(name)
            if at >= 0:
                end = at + len(name)
                body = f"{body[:end]} {marker}{body[end:]}"
                del placed[key]
    return _attach(body, "".join(placed.values()), language)


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
