"""Comparisons of two or three named papers ("Compare s1 and LIMO", "s1 和 LIMO 有什么区别？").

names -> papers (by arXiv id, display name, title or a name the paper's own text
introduces; a name shared by several papers goes to the one retrieval ranks highest;
an unknown name is said to be unknown) -> a table, one row per aspect (problem,
method, data, results), each cell the paper's own sentence for it, cited by code ->
one sentence on the main difference from the model, checked like any answer sentence
(left out when it does not pass)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from assistant.answer.citations import check_citations
from assistant.answer.result import AnswerEvent, AnswerResult, Citation, Flag, Source
from assistant.answer.support import SupportFn
from assistant.digest.model import Paper
from assistant.digest.naming import clean_latex
from assistant.errors import AssistantError, BackendError
from assistant.retrieval.hits import ChunkHit
from assistant.seams import PaperSearch
from assistant.text.language import detect_language
from assistant.text.sentences import split_sentences, strip_label
from assistant.text.terms import terms

# aspect -> (sections that speak of it, best first; words that mark a sentence about it)
ASPECTS: dict[str, tuple[tuple[str, ...], str]] = {
    "problem": (
        ("problem", "motivation", "tldr", "summary", "abstract"),
        "problem challenge address limitation bottleneck issue 问题 挑战 解决 瓶颈 局限",
    ),
    "method": (
        ("method", "tldr", "summary", "abstract"),
        "propose method approach framework introduce design 提出 方法 框架 设计 引入 机制",
    ),
    "data": (
        ("experiments", "summary", "abstract"),
        "dataset datasets benchmark benchmarks data evaluate evaluation 数据集 基准 数据 评测 实验",
    ),
    "results": (
        ("experiments", "contribution", "summary", "abstract", "tldr"),
        "outperform improve achieve accuracy faster reduce surpass "
        "提升 达到 优于 降低 加速 超过 结果",
    ),
}
ROW_LABELS = {
    "en": {"problem": "Problem", "method": "Method", "data": "Data", "results": "Results"},
    "zh": {"problem": "问题", "method": "方法", "data": "数据", "results": "结果"},
}
UNKNOWN = {
    "en": "The digest has no paper named “{name}”.",
    "zh": "摘要库中没有名为“{name}”的论文。",
}
DIFFERENCE = {"en": "Main difference: ", "zh": "主要区别："}
_CELL_CHARS = 220


def cell(chunks: list[ChunkHit], aspect: str, language: str, used: set[str]) -> str:
    """The paper's own sentence for one aspect: in the reader's language when it has one."""
    sections, cues = ASPECTS[aspect]
    wanted = terms(cues)
    candidates = []
    for chunk in chunks:
        if chunk.section not in sections:
            continue
        rank = sections.index(chunk.section)
        for sentence in split_sentences(chunk.text):
            sentence = clean_latex(strip_label(sentence)).strip()
            if len(sentence) < 10 or sentence in used:
                continue
            score = len(wanted & terms(sentence)) - 0.3 * rank
            score += 2.0 if detect_language(sentence) == language else 0.0
            candidates.append((score, sentence))
    if not candidates:
        return "—"
    best = max(candidates, key=lambda c: c[0])[1]
    used.add(best)
    if len(best) > _CELL_CHARS:
        best = best[:_CELL_CHARS].rsplit(" ", 1)[0].rstrip(",;，；") + "…"
    return best


class Comparisons:
    """Answers comparison questions with a cited table and a checked sentence."""

    def __init__(
        self,
        retriever: PaperSearch,
        chat_model: BaseChatModel,
        prompts: dict[str, str],
        *,
        support: SupportFn,
        min_support: float,
    ) -> None:
        """`prompts`: the compare_difference template per language."""
        self.retriever = retriever
        self.chat_model = chat_model
        self.prompts = prompts
        self.support = support
        self.min_support = min_support

    def resolve(self, names: list[str], question: str) -> tuple[list[Paper], list[str]]:
        """(the papers named, in order, without repeats; the names no paper has)."""
        ranked = [h.paper.paper_id for h in self.retriever.search(question, k=20)]
        papers: list[Paper] = []
        unknown: list[str] = []
        for name in names:
            found = self.retriever.papers_named(name)
            if not found:
                unknown.append(name)
                continue
            found.sort(key=lambda p: ranked.index(p.paper_id) if p.paper_id in ranked else 99)
            if found[0].paper_id not in {p.paper_id for p in papers}:
                papers.append(found[0])
        return papers, unknown

    def worth_a_table(self, papers: list[Paper], unknown: list[str]) -> bool:
        """False when fewer than two names are papers and every other name is something the
        papers mention (a benchmark, a baseline: "compared with Kling and Wan") or the same
        paper ("GRPO" and "AT-GRPO": which of its two training modes is better?): such a
        question is about one paper. A name found nowhere still gets "no paper named X"."""
        if len(papers) >= 2:
            return True
        if not unknown:
            return not papers
        return not all(self._mentioned(name) for name in unknown)

    def _mentioned(self, name: str) -> bool:
        terms = self.retriever.topic_terms(name).terms
        return bool(terms) and all(term.papers for term in terms)

    def table(self, papers: list[Paper], language: str) -> list[list[str]]:
        header = ["", *(f"{p.display_name} [{n}]" for n, p in enumerate(papers, start=1))]
        rows = [header]
        chunks = {p.paper_id: self.retriever.chunks_of(p.paper_id) for p in papers}
        used: dict[str, set[str]] = {p.paper_id: set() for p in papers}
        for aspect in ASPECTS:
            row = [ROW_LABELS[language][aspect]]
            for n, paper in enumerate(papers, start=1):
                text = cell(chunks[paper.paper_id], aspect, language, used[paper.paper_id])
                row.append(text if text == "—" else f"{text} [{n}]")
            rows.append(row)
        return rows

    def difference(self, papers: list[Paper], rows: list[list[str]], language: str) -> str:
        """One checked sentence on the main difference ("" when none passes)."""
        method = next(r for r in rows if r[0] == ROW_LABELS[language]["method"])
        problem = next(r for r in rows if r[0] == ROW_LABELS[language]["problem"])
        sources = [
            Source(n, p, f"{problem[n]}\n{method[n]}") for n, p in enumerate(papers, start=1)
        ]
        listing = "\n".join(f"[{s.key}] {s.paper.display_name}: {s.text}" for s in sources)
        chain = ChatPromptTemplate.from_messages([("human", self.prompts[language])])
        try:
            raw = (chain | self.chat_model | StrOutputParser()).invoke({"papers": listing})
        except AssistantError:
            raise
        except Exception as exc:  # any provider error, surfaced as one clear message
            raise BackendError(
                f"The chat backend failed while comparing: {str(exc).rstrip('.')}.",
                hint="Check the llm.* settings (`assistant models status`), then try again.",
            ) from exc
        first = (split_sentences(raw.strip(), markers=True) or [""])[0]
        checked = check_citations(
            first, sources, language, support=self.support, min_support=self.min_support,
            renumber=False,
        )  # fmt: skip
        return checked.text if checked.supported_sentences else ""

    def stream(
        self,
        result: AnswerResult,
        resolved: tuple[list[Paper], list[str]],
        *,
        started: float,
        abstain: Callable[[AnswerResult, float], AnswerResult],
        filters: Any = None,
    ) -> Iterator[AnswerEvent]:
        """The table as soon as it is composed, then the difference sentence, then the result."""
        lang = result.language
        papers, unknown = resolved
        result.unknown_names = unknown
        notes = [UNKNOWN[lang].format(name=name) for name in unknown]
        if not papers:
            result.flags.append(Flag("weak_retrieval", "no compared name is a paper of the digest"))
            result = abstain(result, started)
            result.answer = " ".join(notes) or result.answer
            yield AnswerEvent("result", result=result)
            return
        yield AnswerEvent("status", "comparing")
        rows = self.table(papers, lang)
        result.table = rows
        result.citations = [Citation(n, p, "") for n, p in enumerate(papers, start=1)]
        text = [*notes, *(f"{row[0]}: " + "; ".join(row[1:]) for row in rows[1:])]
        yield AnswerEvent("token", "\n".join(text) + "\n")
        result.timings["ttft_s"] = time.perf_counter() - started
        if len(papers) > 1:
            sentence = self.difference(papers, rows, lang)
            if sentence:
                text.append(DIFFERENCE[lang] + sentence)
                yield AnswerEvent("token", text[-1] + "\n")
            else:
                result.flags.append(Flag("unsupported_sentence", "main difference left out"))
        result.answer = "\n".join(text)
        result.timings["total_s"] = time.perf_counter() - started
        yield AnswerEvent("result", result=result)
