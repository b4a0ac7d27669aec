"""Claims, not digits: a number in an answer stands only where a source sentence states the
same quantity about the same thing.

For each number of an answer sentence, the source sentences that hold the same quantity are
found; one of them must also share what the number is about: a key term of the clause
around the number (a name such as "MMLU" or "LongBench", a content word) or the quantity
it measures (text/concepts.py: memory, F1, GPU hours, ...), in either language. A number
about one metric is never grounded by a sentence about another ("F1 85.3" by "accuracy
85.3"), and a small count that happens to occur elsewhere ("3 days" by "3 benchmarks") is
not grounded. Numbers the question itself gives are not claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.text.concepts import METRICS, concepts_in
from assistant.text.numbers import Number, is_stated, numbers, same_quantity
from assistant.text.sentences import split_sentences
from assistant.text.terms import names_in, terms

# Words that say nothing about what a number measures.
_GENERIC = frozenset(
    terms(
        "model models method methods paper result results approach performance framework "
        "system data training trained train achieve achieves achieved reach reaches reached "
        "report reports reported show shows shown use uses used get gets obtain obtains "
        "value total about around roughly nearly approximately times percent point points "
        "模型 方法 论文 结果 性能 框架 系统 数据 训练 达到 实现 取得 获得 报告 表明 显示 使用 "
        "大约 约 左右 总共 一共 分别"
    )
)
_CLAUSE_BREAK = re.compile(r"[,;，；、]|\band\b|\bwhile\b|\bwhereas\b|和|而|以及")


def _keys(text: str, exclude: set[str]) -> set[str]:
    return {n.lower() for n in names_in(text)} | (terms(text) - _GENERIC - exclude)


def _clause(sentence: str, number: Number) -> str:
    """The part of the sentence around the number, between clause breaks."""
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, number.start)), default=0)
    after = _CLAUSE_BREAK.search(sentence, number.end)
    return sentence[start : after.start() if after else len(sentence)]


def _near(sentence: str, number: Number, words: int = 5) -> str:
    """The few words on either side of a number: what it is a value of ("F1 on GSM8K")."""
    before = sentence[: number.start].split()[-words:]
    after = sentence[number.end :].split()[:words]
    return " ".join([*before, number.written, *after])


def _about(text: str, exclude: set[str]) -> tuple[set[str], set[str]]:
    """(key terms, quantities) of a text, the number itself left out."""
    bare = re.sub(r"\d+(?:[.,]\d+)*", " ", text)
    return _keys(bare, exclude), concepts_in(text)


def _same_thing(
    claim: tuple[set[str], set[str]], holder: tuple[set[str], set[str]], near: set[str]
) -> bool:
    """`near`: the quantities named right next to the claimed number."""
    claim_keys, claim_concepts = claim
    keys, concepts = holder
    claim_metrics, metrics = near & METRICS, concepts & METRICS
    if claim_metrics and metrics and not claim_metrics & metrics:
        return False  # a number about another metric
    if not claim_keys and not claim_concepts:
        return True  # nothing said about the number: nothing to contradict
    return bool(claim_keys & keys or claim_concepts & concepts)


def ungrounded_numbers(
    sentence: str,
    source_texts: Sequence[str],
    question: str,
    *,
    exclude: Iterable[str] = (),
) -> list[Number]:
    """The numbers of `sentence` that no source sentence states about the same thing.

    `exclude`: terms that identify the papers (their names), which say nothing about what
    a number measures."""
    excluded = set(exclude)
    asked = numbers(question)
    holders = [s for text in source_texts for s in split_sentences(text)]
    holder_numbers = [(s, numbers(s)) for s in holders]
    out = []
    for number in numbers(sentence):
        if is_stated(number, asked):
            continue  # the question gave it
        stating = [s for s, found in holder_numbers if any(same_quantity(number, m) for m in found)]
        if not stating:
            out.append(number)
            continue
        claim = _about(_clause(sentence, number), excluded)
        if not claim[0] and not claim[1]:
            claim = _about(sentence, excluded)
        if not claim[0] and not claim[1]:
            claim = _about(question, excluded)
        near = concepts_in(_near(sentence, number))
        if not any(_same_thing(claim, _about(s, excluded), near) for s in stating):
            out.append(number)
    return out
