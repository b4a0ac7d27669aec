"""Papers named by code: where the model uses a marker as a name ("[1] proposes …",
"[1]和[2]研究了…", "found in [1]"), the paper's display name is written before it.

The model is told that `[n]` stands for the paper's name (prompts/answer.*), so it writes
markers where names go; a marker that follows a claim ("… by 4x [1].") is a citation and
is left alone. Generic words that stood in for a name ("the paper [1]", "资料[1]") give way
to the name. The decision reads only the words around a marker, in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from assistant.text.markers import MARKER, keys_of
from assistant.text.sentences import starts_with_yes_or_no

# Words after which a marker is the thing named: "in [1]", "and [2]", "both [1]", "和[2]".
_EN_BEFORE_NAME = frozenset(
    "in by from of and or with than see both between like unlike including include includes "  # noqa: SIM905
    "as vs versus among whereas while but also e.g i.e namely are is was were".split()
)
_ZH_BEFORE_NAME = ("和", "与", "及", "或", "、", "由", "在", "如", "像", "是", "有", "比", "对",
                   "被", "即", "而", "基于", "例如", "比如", "包括", "其中", "以及",
                   "还有")  # fmt: skip
# Generic words standing in for a name: replaced by it.
_EN_STAND_IN = re.compile(
    r"(?:\b(?:the|this|that|a)\s+)?\b(?:paper|work|study|source|article|document)\s*$", re.I
)
_ZH_STAND_IN = re.compile(r"(?:该|这篇|此|这项|本)?(?:论文|文章|资料|来源|文献|工作|研究)\s*$")
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？；;\n]|^\s*[-*•]|\d+[.)])\s*$")
_WEAK_BREAK = re.compile(r"[,，:：;；(（]\s*$")
_WORD_AFTER = re.compile(r"^\s*(?:'s\b|[A-Za-z\u4e00-\u9fff])")
_LAST_WORD = re.compile(r"([A-Za-z.]+)\s*$")
_LIST_GAP = re.compile(r"\s*(?:[,，、;；]\s*(?:and\s+|or\s+)?|and\s+|or\s+|和|与|及|或)\s*")
_NO_SPACE_AFTER = '(（["“，。、：；！？'


# A sentence whose subject is a generic word for the one paper it cites: "The paper used …".
_EN_SUBJECT = re.compile(r"^(?:the|this) (?:paper|work|study|method|approach)(?='s\b|\s)", re.I)
_ZH_SUBJECT = re.compile(r"^(?:该|这篇|此|这项|本)(?:论文|文章|工作|研究|方法)|^本文")


def name_subject(sentence: str, name: str) -> str:
    """`sentence` with a generic subject ("The paper", "该论文") replaced by `name`; for a
    sentence that cites one paper only, so the name is the paper it cites."""
    stripped = sentence.lstrip()
    match = _EN_SUBJECT.match(stripped) or _ZH_SUBJECT.match(stripped)
    if not match:
        return sentence
    return sentence[: len(sentence) - len(stripped)] + name + stripped[match.end() :]


# English words that start a sentence and take a lower-case letter after "According to X, ".
_COMMON_START = re.compile(
    r"^(?:The|This|These|That|Those|It|Its|In|On|At|By|With|Using|For|To|When|After|Over|"
    r"Compared|A|An|They|Their|Both|Each|All|Most|Some|Further|Furthermore|Moreover)\b"
)


# A Chinese conjunction left at the start once "据 X，" leads ("据 X，并在 VAR 上…").
_ZH_LEADING_LINK = re.compile(r"^(?:并且|并|而且|而|且|同时|此外|另外)")


def can_be_attributed(sentence: str) -> bool:
    """False for a sentence "According to X, " cannot lead (a yes or a no)."""
    return not starts_with_yes_or_no(sentence)


def attributed(sentence: str, name: str, language: str) -> str:
    """`sentence` said as the paper's: "According to s1, the budget …" / "据 s1，…" (for an
    answer that cites a paper it never names)."""
    stripped = sentence.strip()
    if language == "zh":
        return f"据 {name}，{_ZH_LEADING_LINK.sub('', stripped)}"
    if _COMMON_START.match(stripped):
        stripped = stripped[0].lower() + stripped[1:]
    return f"According to {name}, {stripped}"


def _used_as_name(before: str, after: str, previous_name_end: int | None) -> bool:
    """True when the marker between `before` and `after` stands where a name belongs
    (`previous_name_end`: where the last marker used as a name ended, in `before`)."""
    if previous_name_end is not None and _LIST_GAP.fullmatch(before[previous_name_end:]):
        return True  # the next item of a list of names: "in [1], [2] and [3]"
    if not before.strip():
        return True  # the answer starts with it: "[1] proposes ...", "[1]."
    if _SENTENCE_START.search(before):
        # "... 4x. [1] also cuts ..." starts a sentence; "... 4x. [1]" cites the last one.
        return bool(_WORD_AFTER.match(after))
    if before.rstrip().endswith(_ZH_BEFORE_NAME):
        return True
    last = _LAST_WORD.search(before)
    if last and last.group(1).lower().strip(".") in _EN_BEFORE_NAME:
        return True
    if _EN_STAND_IN.search(before) or _ZH_STAND_IN.search(before):
        return True
    return bool(_WEAK_BREAK.search(before)) and bool(_WORD_AFTER.match(after))


def _cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


def name_markers(text: str, names: Mapping[int, str]) -> str:
    """`text` with each paper's name written before the markers that stand for it."""
    out: list[str] = []
    last = 0
    name_end: int | None = None  # where the last name written ends, in the output
    skipped_to = -1  # the end of the last marker dropped from a list of names
    for match in MARKER.finditer(text):
        before = "".join(out) + text[last : match.start()]
        after = text[match.end() :]
        keys = [k for k in keys_of(match) if k in names]
        gap = text[last : match.start()]
        listed = _LIST_GAP.fullmatch(gap) or (gap == "" and last == skipped_to)
        if not keys and name_end == len("".join(out)) and listed:
            skipped_to = match.end()
            last = match.end()  # "[1]和[2]" with no source [2]: the list ends at [1]
            continue
        if not keys or not _used_as_name(before, after, name_end):
            out.append(text[last : match.end()])
            last = match.end()
            continue
        head = text[last : match.start()]
        stand_in = _EN_STAND_IN.search(head) or _ZH_STAND_IN.search(head)
        if stand_in:
            head = head[: stand_in.start()]
        out.append(head)
        written = "".join(out)
        if written.rstrip().endswith(names[keys[0]]) or after.lstrip().startswith(names[keys[0]]):
            out.append(text[match.start() : match.end()])  # the model wrote the name itself
            last = match.end()
            name_end = len("".join(out))
            continue
        chinese = any(map(_cjk, text))
        parts = [f"{names[key]} [{key}]" for key in keys]
        joined = "、".join(parts) if chinese else " and ".join(parts)
        needs_space = written and not written[-1].isspace() and written[-1] not in _NO_SPACE_AFTER
        out.append((" " if needs_space else "") + joined)
        name_end = len("".join(out))
        last = match.end()
    out.append(text[last:])
    return "".join(out)
