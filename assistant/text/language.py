"""Is a text Chinese or English? One rule for questions, answers and digest text.

A mixed text is judged by its frame more than by its terms: technical names are often
English inside Chinese sentences ("DeepSeek-V3 的 MTP 在 MMLU 上多少分？") and Chinese
terms sometimes appear in English ones ("What is 推测解码?"). Each side scores its words
(a Chinese character counts as one) plus a bonus for the function words that make a
sentence of that language; the higher score wins, Chinese on a tie (a short "压缩 KV
cache" is a Chinese reader's query).
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "zh"]

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# fmt: off
_EN_FUNCTION = frozenset([
    "what", "which", "who", "whom", "whose", "how", "why", "when", "where", "is", "are", "was",
    "were", "do", "does", "did", "can", "could", "would", "should", "the", "a", "an", "of",
    "in", "on", "for", "to", "with", "by", "from", "and", "or", "that", "this", "these",
    "those", "it", "its", "there", "paper", "papers", "any", "explain", "compare", "list",
    "describe", "summarize", "summarise", "tell", "give",
])
# fmt: on
_ZH_FUNCTION = re.compile(
    r"哪些|哪篇|哪个|什么|如何|怎么|怎样|为什么|多少|是否|有没有|论文|研究|方法|的|了|吗|呢|在|是|和|与|及|把|被|对"
)
_FUNCTION_WEIGHT = 2


def detect_language(text: str) -> Language:
    """'zh' when the text is written in Chinese, else 'en' (also for text with no words)."""
    cjk = len(CJK.findall(text))
    if not cjk:
        return "en"
    words = LATIN_WORD.findall(text)
    english = len(words) + _FUNCTION_WEIGHT * sum(w.lower() in _EN_FUNCTION for w in words)
    chinese = cjk + _FUNCTION_WEIGHT * len(_ZH_FUNCTION.findall(text))
    return "zh" if chinese >= english else "en"


def in_language(text: str, lang: str) -> bool:
    """True when the text is in `lang`, or has no words to judge by (a bare "84.6% [1]")."""
    if not CJK.search(text) and not LATIN_WORD.search(text):
        return True
    return detect_language(text) == lang
