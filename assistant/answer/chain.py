"""The answer chain, in LangChain LCEL runnables, and the service that drives it.

    question (+ history)
      -> condense      a follow-up becomes a standalone question   (prompts/condense.*)
      -> retrieve      hybrid retrieval, papers with their best chunks
      -> sources       the most relevant sentences per paper, numbered, within a token budget
      -> prompt        system + user prompts in the question's language (prompts/answer.*)
      -> chat model    streamed
      -> check         URLs and invented keys removed, support and numbers checked,
                       citations renumbered and mapped to papers by code (citations.py)

Abstention is decided from the retrieval evidence (before any model call), the model's own
word, and the grounding check. One retry when the answer is in the wrong language.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from assistant.answer.absent_topic import missing_topic_words
from assistant.answer.compare import Comparisons
from assistant.answer.context import build_sources, render_sources
from assistant.answer.decision import decide
from assistant.answer.decline import model_declined
from assistant.answer.kinds import classify
from assistant.answer.lists import ABSENT, ListAnswers
from assistant.answer.notes import NoteWriter
from assistant.answer.result import (
    ABSTAIN_PHRASES,
    NOT_IN_ENTRY,
    AnswerEvent,
    AnswerResult,
    Flag,
    Source,
)
from assistant.answer.support import SupportFn, lexical_support, mentions
from assistant.config import Settings
from assistant.errors import AssistantError, BackendError, ConfigError
from assistant.prompts import load_prompt
from assistant.seams import History, PaperSearch
from assistant.text.language import detect_language, in_language
from assistant.text.sentences import is_question

# tiktoken counts are a little lower than the local model's own tokenizer on Chinese text;
# budgets against the model's context keep this margin.
_TOKENIZER_MARGIN = 1.15


def standalone_without_model(question: str, history: History) -> str:
    """The follow-up with the last user turn in front: the no-model stand-in for condensing."""
    last_user = next((t["content"] for t in reversed(history) if t["role"] == "user"), "")
    if last_user and question.startswith(last_user):
        return question  # already joined
    return f"{last_user} {question}".strip()


def _backend_failure(exc: Exception) -> BackendError:
    return BackendError(
        f"The chat backend failed while answering: {str(exc).rstrip('.')}.",
        hint="Check the llm.* settings (`assistant models status`), then ask again.",
    )


class AnswerService:
    """Answers questions about the indexed digest; one per process, safe to share."""

    def __init__(
        self,
        settings: Settings,
        retriever: PaperSearch,
        chat_model: BaseChatModel,
        *,
        count_tokens: Callable[[str], int],
        support: SupportFn = lexical_support,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.chat_model = chat_model
        self.support = support
        self.count_tokens = count_tokens
        folder = settings.paths.prompts
        # Loading every prompt now fails fast on a broken prompt file, before any question.
        self._prompt = {
            lang: {
                "system": load_prompt(folder, f"answer.{lang}.system"),
                "user": load_prompt(folder, f"answer.{lang}.user"),
                "condense": load_prompt(folder, f"condense.{lang}"),
                "retry": load_prompt(folder, f"language_retry.{lang}"),
                "second_look": load_prompt(folder, f"second_look.{lang}"),
            }
            for lang in ("en", "zh")
        }
        self._prepare = RunnablePassthrough.assign(
            hits=RunnableLambda(self._retrieve)
        ) | RunnablePassthrough.assign(sources=RunnableLambda(self._select_sources))
        self.lists = ListAnswers(
            settings,
            retriever,
            NoteWriter(
                retriever,
                chat_model,
                {lang: load_prompt(folder, f"summary_note.{lang}") for lang in ("en", "zh")},
                count_tokens,
                note_tokens=settings.summary.note_tokens,
                min_support=settings.answer.min_support,
            ),
        )
        self.comparisons = Comparisons(
            retriever,
            chat_model,
            {lang: load_prompt(folder, f"compare_difference.{lang}") for lang in ("en", "zh")},
            support=support,
            min_support=settings.answer.min_support,
        )

    # -- the stages ---------------------------------------------------------------------

    def _condense(self, state: dict[str, Any]) -> str:
        history: History = state.get("history") or []
        question: str = state["question"]
        if not history:
            return question
        started = time.perf_counter()
        lang = state["language"]
        chain = (
            ChatPromptTemplate.from_messages([("human", self._prompt[lang]["condense"])])
            | self.chat_model.bind(stop=["\n"])
            | StrOutputParser()
        )
        turns = "\n".join(f"{t['role']}: {t['content'][:400]}" for t in history[-4:])
        try:
            rewritten = chain.invoke({"history": turns, "question": question})
        except AssistantError:
            raise
        except Exception as exc:  # any provider error, surfaced as one clear message
            raise _backend_failure(exc) from exc
        rewritten = rewritten.strip().strip("\"'“”")
        state["timings"]["condense_s"] = time.perf_counter() - started
        if not rewritten or len(rewritten) > 3 * len(question) + 200:
            return standalone_without_model(question, history)  # a runaway rewrite is worse
        if is_question(question) and not is_question(rewritten):
            # The model answered instead of rewriting ("Light-A-Video 使用了…来保证光照一致。"):
            # that answer would be checked and searched as if the user had asked it.
            return standalone_without_model(question, history)
        return rewritten

    def _retrieve(self, state: dict[str, Any]) -> list[Any]:
        started = time.perf_counter()
        query = state["standalone"]
        if state.get("history"):
            # A small model's rewrite often drops the paper ("what did they train on?"):
            # the previous question keeps it in the search.
            query = standalone_without_model(query, state["history"])
        hits = self.retriever.search(query, k=self._retrieve_k, filters=state.get("filters"))
        state["timings"]["retrieval_s"] = time.perf_counter() - started
        return hits

    @property
    def _retrieve_k(self) -> int:
        return max(self.settings.answer.papers, self.settings.answer.retrieve_papers)

    def _context_budget(self, lang: str, question: str) -> int:
        llm = self.settings.llm
        fixed = self.count_tokens(self._prompt[lang]["system"]) + self.count_tokens(
            self._prompt[lang]["user"]
        )
        room = llm.context_size - llm.max_answer_tokens - fixed - self.count_tokens(question) - 48
        if room < 128:
            raise ConfigError(
                f"llm.context_size ({llm.context_size}) leaves no room for sources after the "
                f"prompt and llm.max_answer_tokens ({llm.max_answer_tokens}).",
                hint="Raise llm.context_size or lower llm.max_answer_tokens.",
            )
        return min(self.settings.answer.context_tokens, int(room / _TOKENIZER_MARGIN))

    def _select_sources(self, state: dict[str, Any]) -> list[Source]:
        hits = state["hits"]
        if not hits or self._too_weak(hits):
            return []
        budget = self._context_budget(state["language"], state["standalone"])
        best = hits[0].score
        chosen = [h for h in hits if h.score >= best * self.settings.answer.relative_score]
        return build_sources(
            state["standalone"],
            chosen[: self.settings.answer.papers],
            self.retriever.chunks_of,
            budget,
            self.count_tokens,
            paper_cap=self.settings.answer.paper_tokens,
            similarity=self.retriever.similarities,
        )

    def _too_weak(self, hits: Sequence[Any]) -> bool:
        top = hits[0]
        cfg = self.settings.answer
        return top.dense_similarity < cfg.min_similarity and top.lexical_score < cfg.min_lexical

    def _answer_chain(self, lang: str, follow_up: str | None = None) -> Any:
        """The answer prompt; a follow-up ("retry", "second_look") adds the first reply and
        the instruction that asks for a better one."""
        prompts = self._prompt[lang]
        messages = [("system", prompts["system"]), ("human", prompts["user"])]
        if follow_up:
            messages += [("ai", "{previous}"), ("human", prompts[follow_up])]
        prompt = ChatPromptTemplate.from_messages(messages).partial(
            abstain_phrase=ABSTAIN_PHRASES[lang]
        )
        return prompt | self.chat_model | StrOutputParser()

    # -- the service ---------------------------------------------------------------------

    def stream(
        self, question: str, *, history: History | None = None, filters: Any = None
    ) -> Iterator[AnswerEvent]:
        """Status, then tokens as the model writes them, then the checked result."""
        started = time.perf_counter()
        lang = detect_language(question)
        timings: dict[str, float] = {}
        yield AnswerEvent("status", "retrieving")
        state: dict[str, Any] = {
            "question": question,
            "history": list(history or []),
            "filters": filters,
            "language": lang,
            "timings": timings,
        }
        state["standalone"] = self._condense(state)
        kind = classify(state["standalone"])
        result = AnswerResult(
            question=question,
            standalone_question=state["standalone"],
            language=lang,
            kind=kind.kind,
            timings=timings,
        )
        if kind.kind == "list":
            yield from self.lists.stream(
                result, state["standalone"], filters=filters, started=started, abstain=self._abstain
            )
            return
        if kind.kind == "compare":
            t0 = time.perf_counter()
            resolved = self.comparisons.resolve(kind.names, state["standalone"])
            timings["retrieval_s"] = time.perf_counter() - t0
            if self.comparisons.worth_a_table(*resolved):
                yield from self.comparisons.stream(
                    result, resolved, started=started, abstain=self._abstain
                )
                return
            result.kind = "single"  # "compared with Kling and Wan": benchmarks, not papers
        state = self._prepare.invoke(state)
        result.retrieved = list(state["hits"])
        sources: list[Source] = state["sources"]
        if not sources:
            result.flags.append(Flag("weak_retrieval", "no paper is relevant enough"))
            yield AnswerEvent("result", result=self._abstain(result, started))
            return

        missing = missing_topic_words(
            state["standalone"],
            lang,
            state["hits"],
            [s.paper for s in sources],
            self.retriever,
            self.settings.answer.topic_check_similarity,
        )
        if missing:
            result.flags.append(Flag("topic_absent", ", ".join(missing)))
            result = self._abstain(result, started)
            result.answer += " " + ABSENT[lang].format(terms=", ".join(missing))
            yield AnswerEvent("result", result=result)
            return

        result.sources = sources
        # The model reads the condensed question: "its" in a follow-up names nothing.
        asked = state["standalone"]
        inputs = {"context": render_sources(sources), "question": asked}
        yield AnswerEvent("status", "writing")
        raw = ""
        for attempt in (0, 1):
            raw = yield from self._tokens(
                self._answer_chain(lang, "retry" if attempt else None), inputs, timings, started
            )
            wrong_language = not in_language(raw, lang) and not model_declined(raw)
            if attempt == 0 and wrong_language and self.settings.answer.language_retry:
                result.flags.append(Flag("language_retry", f"answer was not in {lang}"))
                inputs = {**inputs, "previous": raw}
                yield AnswerEvent("reset")
                continue
            if wrong_language:
                result.flags.append(Flag("language_mismatch", f"answer is not in {lang}"))
            break

        second_look = model_declined(raw) and self._worth_a_second_look(state["hits"])
        if second_look:
            # Small models decline too readily when the answer is right there; a second
            # reading is asked for, and what it writes must then pass the strict check.
            result.flags.append(Flag("second_look", raw.strip()[:120]))
            yield AnswerEvent("reset")
            raw = yield from self._tokens(
                self._answer_chain(lang, "second_look"),
                {**inputs, "previous": raw},
                timings,
                started,
            )

        timings["generation_s"] = time.perf_counter() - started - timings.get("ttft_s", 0.0)
        result.raw_answer = raw
        decision = decide(
            raw,
            sources,
            asked,
            lang,
            support=self.support,
            min_support=self.settings.answer.min_support,
            second_look=second_look,
            asked_as=question,
        )
        result.flags.extend(decision.flags)
        if decision.checked is not None:
            result.removed_citations = decision.checked.removed_citations
            result.removed_urls = decision.checked.removed_urls
        if decision.abstain or decision.checked is None:
            result = self._abstain(result, started)
            about = [s.paper for s in sources if mentions(asked, s.paper)]
            if len(about) == 1:  # "SvS 在 AIME24 上的 Pass@1 提升了多少？": SvS is there
                result.answer = NOT_IN_ENTRY[lang].format(name=about[0].display_name)
            yield AnswerEvent("result", result=result)
            return
        result.answer = decision.checked.text
        result.citations = decision.checked.citations
        result.partial = decision.partial
        timings["total_s"] = time.perf_counter() - started
        yield AnswerEvent("result", result=result)

    def _tokens(
        self, chain: Any, inputs: dict[str, Any], timings: dict[str, float], started: float
    ) -> Iterator[AnswerEvent]:
        """Stream one model reply as token events; returns the whole reply."""
        raw = ""
        try:
            for token in chain.stream(inputs):
                if not raw and "ttft_s" not in timings:
                    timings["ttft_s"] = time.perf_counter() - started
                raw += token
                yield AnswerEvent("token", token)
        except AssistantError:
            raise
        except Exception as exc:  # any provider error, surfaced as one clear message
            raise _backend_failure(exc) from exc
        return raw

    def _worth_a_second_look(self, hits: Sequence[Any]) -> bool:
        threshold = self.settings.answer.second_look_similarity
        return bool(hits) and threshold <= 1 and hits[0].dense_similarity >= threshold

    def _abstain(self, result: AnswerResult, started: float) -> AnswerResult:
        result.abstained = True
        result.answer = ABSTAIN_PHRASES[result.language]
        result.citations = []
        result.timings["total_s"] = time.perf_counter() - started
        return result

    def retrieve(
        self, question: str, *, history: History | None = None, filters: Any = None
    ) -> tuple[str, list[Any], float]:
        """Retrieval as an answer does it, with no model call: (query, hits, seconds)."""
        query = standalone_without_model(question, history or []) if history else question
        started = time.perf_counter()
        hits = self.retriever.search(query, k=self._retrieve_k, filters=filters)
        return query, hits, time.perf_counter() - started

    def answer(
        self, question: str, *, history: History | None = None, filters: Any = None
    ) -> AnswerResult:
        """The checked result, without streaming."""
        for event in self.stream(question, history=history, filters=filters):
            if event.result is not None:
                return event.result
        raise BackendError("The answer stream ended without a result.")
