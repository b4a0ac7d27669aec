"""What kind of answer a question wants: a list of papers, a comparison of named papers, or
an answer about one paper or fact. Patterns in both languages, no model call.

    list      "哪些论文研究了 X？", "有哪些工作…", "Which papers…", "What work in the digest…",
              "Summarise the papers on X", "Are there papers on X?"
    compare   "Compare A and B", "A vs B", "How does A differ from B?", "A 和 B 有什么区别？",
              "对比 A 与 B" (two or three named papers)
    single    everything else, "Which paper proposes…?" and "哪篇论文比较了…" included

Accuracy on the labelled set (evals/question_kinds.jsonl) is printed by bench/kinds.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["list", "compare", "single"]

# One paper asked for: beats the list and compare cues ("哪篇论文比较了 A 和 B").
_SINGLE = re.compile(
    r"\bwhich (?:one )?(?:paper|work|study|article)\b(?!s)|\bwhich of the\b|\bis there a paper\b"
    r"|\bin the [\w\-.]+ paper\b"
    r"|哪篇|哪一篇|哪个工作|哪项工作|有没有一篇|是哪篇|那篇论文|这篇论文|这篇|论文里的|论文中的",
    re.I,
)
_LIST = re.compile(
    r"\bwhich (?:papers|works|studies)\b|\bwhat (?:other )?(?:papers|work|works|research|studies)\b"
    r"|\bwhat has been published\b|\b(?:list|summari[sz]e|show me|give me an overview of)\b"
    r"[^.?]{0,40}\b(?:papers|work|works|research|studies)\b|\bare there (?:any )?papers\b"
    r"|\bpapers (?:on|about)\b|\bwhat are the papers\b|\b(?:all|other) papers\b"
    r"|\bcompare the papers\b|\bwhich ones\b"
    r"|哪些论文|哪些工作|哪些研究|哪几篇|有哪些[^，。？]{0,30}(?:论文|工作|研究)"
    r"|(?:论文|工作|研究)[？?]\s*都有哪些|有没有[^，。？]{0,30}论文|有什么(?:论文|工作|研究)"
    r"|列举|列出[^，。？]{0,40}论文|总结[^，。？]{0,30}(?:论文|研究|工作)"
    r"|(?:论文|工作|研究)有哪些|相关论文|几篇论文|所有[^，。？]{0,12}论文|对比一下关于",
    re.I,
)
_COMPARE = re.compile(
    r"\bcompare\b|\bcomparison\b|\bcontrast\b|\bvs\.?\b|\bversus\b|\bdiffer(?:s|ent)?\b"
    r"|\bdifferences?\b|\bbetter than\b|\b(?:is|are) .{1,40} better\b|\bwhich one\b"
    r"|区别|不同|差异|异同|对比|比较|相比(?:如何|怎么样|有什么|有何)|比起来|谁更|哪个更",
    re.I,
)
# Connectors between the compared names.
_AND = re.compile(r"\s*(?:,\s*(?:and\s+)?|\band\b|\bvs\.?\b|\bversus\b|\bor\b|\bwith\b|\bto\b"
                  r"|\bfrom\b|和|与|跟|及|、|，|或)\s*", re.I)  # fmt: skip
# A name: a token with a capital or a digit inside, a 《quoted title》 or an arXiv id.
_NAME = re.compile(
    r"《[^》]{2,80}》|'[^']{3,80}'|\"[^\"]{3,80}\"|\d{4}\.\d{4,5}"
    r"|[A-Za-z0-9][\w\-.]*(?:\s+(?:v\d+|b?\d[\w.]*|[A-Z][\w\-]*\d[\w\-]*))?",
)
# fmt: off
_NOT_NAMES = frozenset([
    "compare", "contrast", "how", "what", "which", "is", "are", "does", "do", "the", "a", "an",
    "and", "or", "vs", "versus", "between", "with", "from", "to", "in", "on", "of", "for",
    "differ", "different", "difference", "differences", "better", "than", "one", "each",
    "both", "llm", "llms", "rl", "sft", "moe", "mla", "gqa", "kv", "gpu", "papers", "paper",
    "digest",
])
# fmt: on


@dataclass
class QuestionKind:
    kind: Kind
    names: list[str] = field(default_factory=list)  # compare: the names as written


def _looks_like_name(token: str) -> bool:
    token = token.strip(" ,.?!:;，。？！：；'\"")
    if token.startswith(("《", "'", '"')) or re.fullmatch(r"\d{4}\.\d{4,5}", token):
        return True
    if token.lower() in _NOT_NAMES or len(token) < 2:
        return False
    head = token.split()[0]
    return (
        any(ch.isupper() for ch in head[1:])
        or any(ch.isdigit() for ch in head)
        or (head[0].isupper() and len(head) > 2)
    )


def compared_names(question: str) -> list[str]:
    """The two or three names a comparison is about, as written ([] when fewer than two)."""
    # Quoted titles first ("《Can 1B LLM Surpass 405B LLM?》"), then the names in the
    # question's first clause: "A vs B: what does each ...?"
    names = re.findall(r"《([^》]{2,80})》", question)
    rest = re.sub(r"《[^》]*》", " ", question)
    clause = re.split(r"[?？:：]|\.\s", rest, maxsplit=1)[0]
    for match in _NAME.finditer(clause):
        token = match.group(0).strip(" ,.?!:;，。？！：；")
        first, _, rest = token.partition(" ")
        if rest and first.lower() in _NOT_NAMES:
            token = rest  # "Compare Fino1" -> "Fino1"
        if _looks_like_name(token) and token not in names:
            names.append(token.strip("《》'\""))
    return names[:3] if len(names) >= 2 else []


def classify(question: str) -> QuestionKind:
    """The kind of answer `question` wants (see the module docstring)."""
    if _SINGLE.search(question):
        return QuestionKind("single")
    if _LIST.search(question):
        return QuestionKind("list")
    if _COMPARE.search(question):
        names = compared_names(question)
        if names:
            return QuestionKind("compare", names)
    return QuestionKind("single")
