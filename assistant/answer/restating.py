"""A sentence that only says the question back: "SvS 在 AIME24 上[1]。" for "SvS 在 AIME24 上
的 Pass@1 提升了多少？", or "… is described in FSA [1]." for "On which GPU was FSA
benchmarked?". A small model writes these when the source lacks the asked detail, and what
is left once the claim checks drop the made-up figure is such a fragment.

Only for a question that names its paper: there, naming the paper answers nothing, while
for "Which paper …?" the name is the answer.
"""

from __future__ import annotations

import re

from assistant.text.numbers import is_stated, numbers
from assistant.text.terms import names_in, terms

# Words a restatement adds without saying anything ("is described in", "the paper").
_FILLER = frozenset(
    terms("describe described describes paper work study method 论文 方法 工作 研究")
)
# "Yes, it does." answers a yes/no question in a few words.
_YES_NO = re.compile(r"^\s*(?:yes|no)\b|^\s*(?:是的|是|否|不|没有|有)[，,。]", re.I)
# How many words a sentence may add to the question and the paper's names and still only
# restate it ("benchmarking", "上").
MOST_NEW_TERMS = 2


def restates(sentence: str, question: str, names: set[str]) -> bool:
    """True when `sentence` adds no number, no name and at most MOST_NEW_TERMS words to
    `question` and `names` (the terms of the names and titles of the paper the question is
    about)."""
    if _YES_NO.search(sentence):
        return False
    asked = numbers(question)
    if any(not is_stated(n, asked) for n in numbers(sentence)):
        return False
    new = terms(sentence) - terms(question) - names - _FILLER
    if any(name.lower() in new for name in names_in(sentence)):
        return False  # a name the question did not write ("LongBench", "Qwen3-4B") answers
    return len(new) <= MOST_NEW_TERMS
