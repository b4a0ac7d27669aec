"""A sentence that only says the question back: "SvS 在 AIME24 上[1]。" for "SvS 在 AIME24 上
的 Pass@1 提升了多少？", or "… is described in FSA [1]." for "On which GPU was FSA
benchmarked?". A small model writes these when the source lacks the asked detail, and what
is left once the claim checks drop the made-up figure is such a fragment.

Naming a paper answers "Which paper …?" but nothing else. So a sentence that restates a
question naming its paper goes (citations.py), and an answer that only restates a question
asking for something else than a paper ("What FID does the generator that … reach?") is
declined (decision.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.support import identity_text, without_names
from assistant.digest.model import Paper
from assistant.text.numbers import is_stated, numbers
from assistant.text.sentences import starts_with_yes_or_no
from assistant.text.terms import names_in, terms

# Words a restatement adds without saying anything ("is described in", "according to").
_FILLER = frozenset(
    terms("describe described describes according paper work study method 论文 方法 工作 研究")
)
# The question asks for a paper (or a method, a model): its name is an answer.
# ("Which text-to-video paper …", "Which training-free method …"; not "What FID does the
# model reach": a verb comes first.)
_ASKS_FOR_A_PAPER = re.compile(
    r"\b(?:which|what)(?:\s+(?!(?:does|do|did|is|was|are|were|the|its|their)\b)[\w-]+){0,3}?"
    r"\s+(?:paper|work|study|article|method|model|approach|framework|technique|system)s?\b"
    r"|\bis there (?:a|any)\b|\bname the\b|\bwho\b"
    r"|哪篇|哪一篇|哪个|哪项|哪种|有没有|是哪|什么方法|什么模型|什么工作|什么框架|什么技术",
    re.I,
)
# A capitalised word inside a sentence is a name ("The environment was Among Us").
_CAPITALISED = re.compile(r"(?<=[\w,;:] )[A-Z][a-z]+")
# How many words a sentence may add to the question and the paper's names and still only
# restate it ("benchmarking", "上").
MOST_NEW_TERMS = 2


def restates(sentence: str, question: str, papers: Sequence[Paper]) -> bool:
    """True when `sentence` adds no number, no name and at most MOST_NEW_TERMS words to
    `question` and to the names and titles of `papers` (those a naming says nothing about:
    the question's own, or every source's when a paper's name is no answer). Their names
    are taken out first, digits and all ("Distilled Decoding 1")."""
    names = {t for paper in papers for t in terms(identity_text(paper))}
    sentence = without_names(sentence, papers)
    if starts_with_yes_or_no(sentence):  # "Yes, it does." answers in a few words
        return False
    asked = numbers(question)
    if any(not is_stated(n, asked) for n in numbers(sentence)):
        return False
    new = terms(sentence) - terms(question) - names - _FILLER
    written = {*names_in(sentence), *_CAPITALISED.findall(sentence)}
    if any(name.lower() in new for name in written):
        return False  # a name the question did not write ("LongBench", "Qwen3-4B") answers
    return len(new) <= MOST_NEW_TERMS


def asks_for_a_paper(question: str) -> bool:
    """True when a paper's (or a method's) name would answer the question."""
    return bool(_ASKS_FOR_A_PAPER.search(question))
