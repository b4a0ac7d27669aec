"""The parts of a list question's topic that a listed paper must each be about.

"有哪些工作用强化学习来训练扩散语言模型？" asks for papers on RL *and* diffusion language
models; retrieval ranks dLLM inference papers high because they match half of it, and the
topic's rare words ("dLLM") are theirs too. So the topic is cut at the words that join its
parts ("用 X 来 Y", "X for Y", "apply X to Y"), each part is embedded on its own, and a
paper far less close to one part than the closest candidate is left out of the list
(relevance.py keep_on_every_facet). Parts that are only the question's scaffolding ("work
on LLMs", "report results") are no facets; a topic in one piece gives none: nothing is
filtered.

Off by default (`answer.list_facet_share = 0`): at 0.6 it raised list precision on the dev
set's list questions (0.807 -> 0.859, completeness unchanged) and lowered completeness on
the held-out ones (0.749 -> 0.682, precision unchanged): dense similarity to a short phrase
is too noisy a judge of whether a paper is about it.
"""

from __future__ import annotations

import re

from assistant.text.terms import terms

# What asks for a list, at the ends of the question ("Which papers in the digest work on",
# "有哪些论文研究了", "…的论文").
_LEAD = re.compile(
    r"^\s*(?:which|what)\s+(?:papers|works?|studies)(?:\s+in the digest)?"
    r"(?:\s+(?:are|is))?(?:\s+mainly)?(?:\s+(?:about|on))?\s*"
    r"|^\s*(?:summari[sz]e|list)\s+(?:the\s+)?(?:papers|work)(?:\s+in the digest)?"
    r"(?:\s+(?:on|about))?\s*"
    r"|^\s*(?:are|is) there (?:any )?(?:papers?|work)(?:\s+in the digest)?(?:\s+(?:on|about))?\s*"
    r"|^\s*(?:列出|列举|总结一下|总结)?(?:关于)?(?:有哪些|哪些|有什么|有没有)?(?:关于)?"
    r"(?:论文|工作|研究)?(?:研究了?|关于|和|在)?\s*",
    re.I,
)
_TAIL = re.compile(r"(?:本身)?(?:相关)?的?(?:论文|工作)?[?？。.!！\s]*$")
# Where the topic ends and examples or a definition begin.
_ELABORATION = re.compile(
    r"\s*(?:[:：]|——|\s—\s|—|，也就是|，即|，比如|，包括|（比如|\(e\.g\.|, where\b|, such as\b"
    r"|\bsuch as\b|, including\b).*$",
    re.S,
)
# Words that join the parts of a topic.
_JOINS = re.compile(
    r"\s+(?:for|to|on|with|through|in|via|into|using)\s+"
    r"|用在|用于|应用于|应用到|用作|用来|(?<=[\u4e00-\u9fff）)])来(?=[\u4e00-\u9fff])",
    re.I,
)
_LEADING_VERB = re.compile(r"^(?:用|把|将|让|对)")
# Words that say nothing about what a paper is about: a part made only of these is the
# question's scaffolding ("work on", "report results on", "大语言模型").
_SCAFFOLD_WORDS = frozenset(
    terms(
        "work works build builds report reports results experiments evaluate evaluates "
        "apply applying use using propose improve address addresses analyse analyze redesign "
        "make makes each other their its the a an of models model llm llms language "
        "做了 实验 评测 报告 结果 研究 模型 大语言模型 语言模型 论文 工作"
    )
)


def split_examples(question: str) -> tuple[str, str]:
    """(the question up to its examples or definition, those examples or definition):
    "… speculative decoding", ", where a small draft model proposes tokens …"."""
    match = _ELABORATION.search(question)
    return (question, "") if match is None else (question[: match.start()], match.group(0))


def topic_core(question: str) -> str:
    """The topic as the question writes it, without what asks for a list and without its
    examples or definition."""
    topic = _LEAD.sub("", split_examples(question)[0], count=1)
    return _TAIL.sub("", topic).strip()


def topic_facets(question: str) -> list[str]:
    """The topic's parts as the question writes them, without those that are only
    scaffolding; [] when the topic is in one piece."""
    pieces = _JOINS.split(topic_core(question))
    parts = [_LEADING_VERB.sub("", piece.strip(" ,，、的")) for piece in pieces]
    parts = [part for part in parts if terms(part) - _SCAFFOLD_WORDS]
    # One part beside scaffolding ("work on LLMs with | binary (1-bit) weights") is what
    # the papers must be about; a topic in one piece is left to retrieval.
    return parts if len(pieces) >= 2 else []
