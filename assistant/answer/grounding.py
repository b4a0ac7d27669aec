"""Claims, not digits: a number in an answer stands only where a source sentence states the
same quantity about the same thing.

For each number of an answer sentence, the source sentences that hold the same quantity are
found; one of them must also share what the number is about: a key term of the clause
around the number (a name such as "MMLU" or "LongBench", a content word) or the quantity
it measures (text/concepts.py: memory, F1, GPU hours, ...), in either language. A number
about one metric is never grounded by a sentence about another ("F1 85.3" by "accuracy
85.3"), and a small count that happens to occur elsewhere ("3 days" by "3 benchmarks") is
not grounded. Numbers the question itself gives are not claims. A question naming a
benchmark or model its papers never name ("MMLU") gets no figure of theirs, and a name in
an answer that neither the question nor any source gives is one the model made up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.text.concepts import METRICS, concepts_in, conditions_in, model_sizes
from assistant.text.numbers import Number, is_stated, numbers, same_quantity
from assistant.text.sentences import split_sentences
from assistant.text.terms import NAME, names_in, terms

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
# The Latin head of a name written against Chinese text ("MAS适配RL算法" -> "MAS").
_NAME_HEAD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_CLAUSE_BREAK = re.compile(r"[,;，；、]|\band\b|\bwhile\b|\bwhereas\b|和|而|以及")

# What a question can ask of a number that a source's number next to it may not be: an
# absolute value (the source gives a gain), one subset's value (the source gives an average),
# a pass@k for one k.
_ASKS_ABSOLUTE = re.compile(r"绝对|\babsolute\b", re.I)
_RELATIVE = re.compile(
    r"高出|提升|提高|增加|增长|相对|超出|超过|领先|\brelative\b|\bgains?\b|improv|"
    r"\bhigher than\b|\boutperform|\bby\b|\bover\b",
    re.I,
)
_ASKS_ONE_PART = re.compile(r"单在|仅在|单独|单项|单个|\balone\b|\bonly on\b|\bindividual", re.I)
_AVERAGE = re.compile(r"平均|总体|整体|\baverage\b|\bmean\b|\boverall\b|\bacross\b", re.I)
_PASS_AT = re.compile(r"pass@(\d+)", re.I)
_INTERROGATIVE = re.compile(r"多少|几|什么|哪|\bwhat\b|\bhow\b|\bwhich\b", re.I)
# Words written like names that name no benchmark or model of their own: a paper may say
# "language model" where the question says "LLM".
_GENERIC_NAMES = frozenset(
    terms(
        "llm llms lm lms vlm vlms mllm mllms gpu gpus cpu cpus npu tpu ai agi rl sft kv nlp "
        "qa api moe rag cot rlhf rlvr sota ood fp16 bf16 fp8 int8 int4"
    )
)


def _specific_name(name: str) -> bool:
    """A benchmark or model name ("MMLU", "Qwen2.5-7B"), not a generic acronym ("LLM") or
    a compound with an ordinary word ("RL-trained", "o1-style")."""
    parts = name.split("-")
    generic = name.lower() in _GENERIC_NAMES
    return not generic and not any(p.isalpha() and p.islower() for p in parts[1:])


def invented_names(sentence: str, known: Sequence[str]) -> list[str]:
    """The benchmark, model or hardware names of `sentence` that none of the `known` texts
    (the question, the sources' whole entries) contains: names the model made up ("the
    consumer GPU used was Power9" when no text names one)."""
    names = {_NAME_HEAD.match(n).group(0) for n in names_in(sentence)}  # type: ignore[union-attr]
    wanted = [n for n in names if _specific_name(n)]
    if not wanted:
        return []
    known_folded = _folded("\n".join(known))
    return sorted(n for n in wanted if _folded(n) not in known_folded)


def names_missing_from(
    question: str, texts: Sequence[str], exclude: Iterable[str] = ()
) -> list[str]:
    """The benchmark and model names of `question` that none of `texts` (papers' whole
    entries) contains. The whole question counts: what describes a paper is in its text."""
    excluded = {e.lower() for e in exclude}
    folded = _folded("\n".join(texts))
    return [
        n
        for n in names_in(question)
        if n.lower() not in excluded and _specific_name(n) and _folded(n) not in folded
    ]


def _folded(text: str) -> str:
    """Lower case letters and digits only: "Alpaca Eval 2" and "AlpacaEval-2" match."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


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


def _window(match: re.Match[str]) -> tuple[int, int]:
    """The words around a question word: where the question asks for the number."""
    return max(0, match.start() - 16), match.end() + 40


@dataclass(frozen=True)
class _Asked:
    """What the question asks of a number, read once per answer: the metrics and names
    around its question words ("… 在 GPQA 上的准确率是多少", "what F1 does …"; what is named
    further away only describes the paper: "调到最高正确性的那个模型"), Pass@k, and whether
    it asks for an absolute value or one part's value."""

    metrics: frozenset[str]
    names: frozenset[str]
    pass_at: frozenset[str]
    absolute: bool
    one_part: bool
    conditions: dict[str, set[str]]  # the setting asked about: {"steps": {"2"}}
    sizes: frozenset[str]  # every model size the question names: {"7B", "32B"}

    @classmethod
    def of(cls, question: str, exclude: set[str]) -> _Asked:
        found = list(_INTERROGATIVE.finditer(question))
        asked_at = " ".join(question[slice(*_window(m))] for m in found)
        # English asks first ("What F1 does …, which …?": "which" starts a description);
        # a Chinese question asks at each question word ("正确率从多少提升到了多少？平均加速比
        # 又从多少…"), its description has none.
        asking = found if re.search(r"[\u4e00-\u9fff]", question) else found[:1]
        part = " ".join(question[slice(*_window(m))] for m in asking)
        if not concepts_in(part) & METRICS:
            part = question  # no span names a metric
        # Names around every question word ("How many actions …, and what GAIA score …?").
        spans = [_window(m) for m in found] or [(0, len(question))]
        names = {
            m.group(0).lower()
            for m in NAME.finditer(question)
            if any(m.end() > start and m.start() < end for start, end in spans)
        }
        return cls(
            metrics=frozenset(concepts_in(part) & METRICS),
            names=frozenset(names - exclude),
            pass_at=frozenset(_PASS_AT.findall(part)),
            absolute=bool(_ASKS_ABSOLUTE.search(question)),
            one_part=bool(_ASKS_ONE_PART.search(question)),
            conditions=conditions_in(asked_at),
            sizes=frozenset(model_sizes(question)),
        )


def _says_what_was_asked(
    asked: _Asked, holder: str, number: Number, exclude: set[str] = frozenset()
) -> bool:
    """False when the source sentence states the number as something else than the question
    asks: another metric ("F1" asked, "准确率达 98.2%" stated), another benchmark ("GPQA"
    asked, "AIME24 上达到 57.1%" stated), a gain for an absolute value, an average for one
    benchmark's value, Pass@32 for Pass@1, a one-step figure for a two-step one, the 1.4B
    model's figure for the 7B model's. `exclude`:
    the papers' own names."""
    at = next((m for m in numbers(holder) if same_quantity(number, m)), None)
    if at is None:
        return True
    if re.search(r"[\u4e00-\u9fff]", holder):
        near = holder[max(0, at.start - 24) : at.end + 8]  # Chinese: characters, not words
        lead = holder[max(0, at.start - 48) : at.start]
    else:
        near = _near(holder, at, words=8)
        lead = " ".join(holder[: at.start].split()[-20:])  # "relative gains of a, b and c"
    stated_metrics = concepts_in(near) & METRICS
    if asked.metrics and stated_metrics and not asked.metrics & stated_metrics:
        return False
    stated_names = {n.lower() for n in names_in(near)} - exclude
    if asked.names and stated_names and not any(n in holder.lower() for n in asked.names):
        return False  # a figure for another benchmark or model
    stated_k = set(_PASS_AT.findall(near))
    if asked.pass_at and stated_k and not asked.pass_at & stated_k:
        return False
    if asked.absolute and _RELATIVE.search(lead + near):
        return False
    stated_conditions = conditions_in(lead + near)
    for kind, values in asked.conditions.items():
        if stated_conditions.get(kind) and not values & stated_conditions[kind]:
            return False  # the one-step figure for the two-step one asked
    # The 1.4B model's speed-up for the 7B one asked. Sizes anywhere in the question count
    # ("the 7B model … and its 32B version?"): a description may give them away from the ask.
    # A size claimed as the answer ("how small a model …?") is checked as any number.
    stated_sizes = model_sizes(near)
    if asked.sizes and stated_sizes and not asked.sizes & stated_sizes:
        return bool(model_sizes(number.written))
    return not (asked.one_part and _AVERAGE.search(lead + near))


def ungrounded_numbers(
    sentence: str,
    source_texts: Sequence[str],
    question: str,
    *,
    exclude: Iterable[str] = (),
    entries: Sequence[str] | None = None,
) -> list[Number]:
    """The numbers of `sentence` that no source sentence states about the same thing.

    `exclude`: terms that identify the papers (their names), which say nothing about what
    a number measures. `entries`: the papers' whole text, where a benchmark or model the
    question asks about is looked for (default: the source texts)."""
    claimed = numbers(sentence)
    if not claimed:
        return []  # most sentences: nothing to read of the question or the sources
    excluded = set(exclude)
    excluded_lower = {e.lower() for e in excluded}
    asked_of = _Asked.of(question, excluded_lower)
    asked = numbers(question)
    # A benchmark or model the question names that the papers never name: no figure of
    # theirs is about it ("MMLU" asked, a gain over unnamed benchmarks given).
    unnamed = names_missing_from(
        question, source_texts if entries is None else entries, exclude=excluded_lower
    )
    holders = [s for text in source_texts for s in split_sentences(text)]
    holder_numbers = [(s, numbers(s)) for s in holders]
    out = []
    for number in claimed:
        if is_stated(number, asked):
            continue  # the question gave it
        if unnamed:
            out.append(number)
            continue
        stating = [
            s
            for s, found in holder_numbers
            if any(same_quantity(number, m) for m in found)
            and _says_what_was_asked(asked_of, s, number, excluded_lower)
        ]
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
