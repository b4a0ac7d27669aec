"""Optional faithfulness judge: each claim of an answer checked against what the model read.

RAGAS-style: the answer's sentences are its claims; a judge model (any OpenAI-compatible
endpoint, configured in the `eval` settings) says whether the context supports each one.
Faithfulness is the share of supported claims. Off by default; the deterministic metrics
never need it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from assistant.config import Settings
from assistant.prompts import load_prompt
from assistant.text.markers import strip_markers
from assistant.text.sentences import split_sentences


class FaithfulnessJudge:
    def __init__(self, settings: Settings, judge: Any) -> None:
        template = load_prompt(settings.paths.prompts, "judge_claim")
        self.chain = (
            ChatPromptTemplate.from_messages([("human", template)]) | judge | (StrOutputParser())
        )

    def claims(self, answer: str) -> list[str]:
        sentences = split_sentences(answer, markers=True)
        return [c for c in (strip_markers(s).strip() for s in sentences) if c]

    def score(self, record: dict[str, Any]) -> float | None:
        """Share of the answer's claims the judge finds supported; None when not judged."""
        if record.get("abstained") or not record.get("answer") or not record.get("context"):
            return None
        context = "\n\n".join(f"[{c['key']}] {c['text']}" for c in record["context"])
        claims = self.claims(record["answer"])
        if not claims:
            return None
        verdicts = [
            self.chain.invoke({"context": context, "claim": claim}).strip().lower()
            for claim in claims
        ]
        return sum(v.startswith(("yes", "是")) for v in verdicts) / len(claims)
