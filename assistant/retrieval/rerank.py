"""Optional second stage: the chat model judges the top papers as relevant or not.

Each of the top candidates is shown to the model with the question (prompt file
`rerank.txt`; the passage comes last so a local model reuses the shared prompt prefix)
and a one-word yes/no is asked for. Papers judged "yes" move ahead of those not judged
in time, which move ahead of those judged "no"; within each group the fused order stays.
So a judge that says yes (or no) to everything changes nothing, and the time budget
bounds the cost: candidates not reached keep their place.
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
    for hit in hits[:candidates]:
        if time.perf_counter() - started > budget_s:
            break
        prompt = fill(
            template, question=question, passage=passage_of(hit, truncate, passage_tokens)
        )
        reply = chat_model.invoke([HumanMessage(prompt)], max_tokens=3, temperature=0.0)
        hit.rerank = "yes" if _YES.match(str(reply.content)) else "no"
    groups: dict[str | None, list[PaperHit]] = {"yes": [], None: [], "no": []}
    for hit in hits:
        groups[hit.rerank].append(hit)
    return groups["yes"] + groups[None] + groups["no"]
