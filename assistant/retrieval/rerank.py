"""Optional second stage: the chat model judges the top papers as relevant or not.

Each of the top candidates is shown to the model with the question (prompt file
`rerank.txt`; the passage comes last so a local model reuses the shared prompt prefix)
and a one-word yes/no is asked for. A verdict moves a paper's fused score up ("yes") or
down ("no") by a fifth of the top score, and the papers are sorted again: a clear lead
in retrieval survives one wrong verdict, a close call follows the judge. Papers not
reached within the time budget keep their score. The local 1.5B model proved a weak
judge on the development questions (see the README), so reranking is off by default.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from assistant.prompts import fill, load_prompt
from assistant.retrieval.hits import PaperHit

PROMPT = "rerank"
PLACEHOLDERS = frozenset({"question", "passage"})
_YES = re.compile(r"^\W*(yes|是|相关)", re.IGNORECASE)
VERDICT_WEIGHT = 0.2  # share of the top fused score a verdict adds or takes away


def passage_of(hit: PaperHit, truncate: Callable[[str, int], str], max_tokens: int) -> str:
    """The paper's name and its best matching text, within `max_tokens`."""
    head = hit.paper.display_name
    if hit.paper.title_zh:
        head += f" ({hit.paper.title_zh})"
    body = "\n".join(chunk.text for chunk in hit.chunks[:2]) or hit.paper.text_start
    return truncate(f"{head}\n{body}", max_tokens)


def rerank(
    question: str,
    hits: list[PaperHit],
    *,
    chat_model: BaseChatModel,
    prompts_dir: object,
    candidates: int,
    budget_s: float,
    truncate: Callable[[str, int], str],
    passage_tokens: int = 220,
) -> list[PaperHit]:
    """`hits` reordered by the judge's verdicts on the first `candidates` of them."""
    template = load_prompt(prompts_dir, PROMPT, PLACEHOLDERS)  # type: ignore[arg-type]
    started = time.perf_counter()
    step = VERDICT_WEIGHT * max((hit.score for hit in hits), default=0.0)
    for hit in hits[:candidates]:
        if time.perf_counter() - started > budget_s:
            break
        prompt = fill(
            template, question=question, passage=passage_of(hit, truncate, passage_tokens)
        )
        reply = chat_model.invoke([HumanMessage(prompt)], max_tokens=3, temperature=0.0)
        hit.rerank = "yes" if _YES.match(str(reply.content)) else "no"
        hit.score += step if hit.rerank == "yes" else -step
    return sorted(hits, key=lambda hit: -hit.score)  # stable: ties keep the fused order
