"""One checked line per paper on a topic: what topic summaries and list answers say about
each paper they name.

Two ways to write it, both checked like any answer sentence:
    own words    the paper's own sentence that best fits the topic, in the reader's language
                 (instant, and it cannot misquote the paper)
    model        one short prompt per paper (prompts/summary_note.*); kept only when the
                 paper's text supports it and every number is stated about the same thing,
                 else the paper's own sentence stands in
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from assistant.answer.context import select_sentences
from assistant.answer.grounding import ungrounded_numbers
from assistant.answer.result import Flag
from assistant.answer.support import identity_text, lexical_support
from assistant.digest.model import Paper
from assistant.digest.naming import clean_latex
from assistant.errors import AssistantError, BackendError
from assistant.retrieval.hits import ChunkHit, PaperHit
from assistant.seams import PaperSearch
from assistant.text.language import detect_language
from assistant.text.links import strip_urls
from assistant.text.markers import strip_markers
from assistant.text.sentences import split_sentences, strip_label
from assistant.text.terms import terms

# Sections that say what a paper does, preferred for a one-line note.
# The problem field says what was missing before, not what the paper does: a small weight.
_TELLING = {"tldr": 0.3, "method": 0.3, "contribution": 0.25, "summary": 0.1, "problem": 0.05}
_MAX_CHARS = 260
# A sentence about the paper's own work reads better in a list than one about the gap it
# fills ("Existing methods …", "现有方法…").
_OWN_WORK = re.compile(r"\b(?:we|our|this (?:paper|work|study))\b|提出|设计|引入|构建|实现了", re.I)
_BACKGROUND = re.compile(
    r"^(?:existing|current|recent|while|although|however|despite|现有|目前|当前|尽管)", re.I
)
# An enumerator left at the end of a field's sentence ("…丢弃策略;2.").
_TRAILING_ENUMERATOR = re.compile(r"[;；,，]?\s*\(?\d{1,2}[.)、]$")


# A link or what is left of one once cut: no sentence for a note.
_LINK = re.compile(r"https?:|www\.|//[\w-]+\.[a-z]", re.I)


def _title_in(paper: Paper, language: str) -> str | None:
    """The paper's title in the reader's language, when the digest gives one (a paper
    summarised only in Chinese still has its English title)."""
    title = paper.title_en if language == "en" else paper.title_zh
    return clean_latex(title) if title and detect_language(title) == language else None


@dataclass
class Note:
    text: str
    own_words: bool  # the paper's own sentence, not the model's
    flags: list[Flag] = field(default_factory=list)


def own_sentence(topic: str, chunks: list[ChunkHit], language: str) -> str | None:
    """The paper's own sentence in `language` that best says what it does for `topic`."""
    wanted = terms(topic)
    best, best_score = None, -1.0
    for position, chunk in enumerate(chunks):
        for sentence in split_sentences(chunk.text):
            sentence = clean_latex(strip_label(sentence)).strip()
            if _LINK.search(sentence):
                continue  # "我们的代码可以在 https://github.com/… 获得。" says nothing on the topic
            sentence = _TRAILING_ENUMERATOR.sub("", sentence)
            if len(sentence) < 12 or detect_language(sentence) != language:
                continue
            overlap = len(wanted & terms(sentence)) / (len(wanted) or 1)
            score = overlap + _TELLING.get(chunk.section, 0.0) - 0.01 * position
            score += 0.2 * bool(_OWN_WORK.search(sentence))
            score -= 0.2 * bool(_BACKGROUND.match(sentence))
            if score > best_score:
                best, best_score = sentence, score
    if best is None:
        return None
    if len(best) > _MAX_CHARS:
        best = best[:_MAX_CHARS].rsplit(" ", 1)[0].rstrip(",;，；") + "…"
    return best


class NoteWriter:
    """Writes a paper's note on a topic, in own words or the model's (checked)."""

    def __init__(
        self,
        retriever: PaperSearch,
        chat_model: BaseChatModel,
        prompts: dict[str, str],
        count_tokens: Callable[[str], int],
        *,
        note_tokens: int,
        min_support: float,
    ) -> None:
        """`prompts`: the summary_note template per language ("en", "zh")."""
        self.retriever = retriever
        self.chat_model = chat_model
        self.prompts = prompts
        self.count_tokens = count_tokens
        self.note_tokens = note_tokens
        self.min_support = min_support

    def own_words(self, topic: str, hit: PaperHit, language: str) -> Note | None:
        sentence = own_sentence(topic, self.retriever.chunks_of(hit.paper.paper_id), language)
        return Note(sentence, True) if sentence else None

    def by_model(self, topic: str, hit: PaperHit, language: str) -> Note:
        """The model's note, checked; the paper's own sentence when the check fails."""
        chunks = self.retriever.chunks_of(hit.paper.paper_id)
        text, _ = select_sentences(topic, hit, chunks, self.note_tokens, self.count_tokens)
        chain = ChatPromptTemplate.from_messages([("human", self.prompts[language])])
        try:
            raw = (chain | self.chat_model | StrOutputParser()).invoke(
                {"topic": topic, "paper": hit.paper.display_name, "text": text}
            )
        except AssistantError:
            raise
        except Exception as exc:  # any provider error, surfaced as one clear message
            raise BackendError(
                f"The chat backend failed while writing a note: {str(exc).rstrip('.')}.",
                hint="Check the llm.* settings (`assistant models status`), then try again.",
            ) from exc
        note, urls = strip_urls(strip_markers(raw).strip())
        flags = [Flag("url_removed", f"{urls} URL(s) in a note")] if urls else []
        paper_words = terms(identity_text(hit.paper))
        grounded = not ungrounded_numbers(note, [text], topic, exclude=paper_words)
        supported = lexical_support(note, f"{text}\n{identity_text(hit.paper)}")
        if (
            note
            and grounded
            and supported >= self.min_support
            and detect_language(note) == language
        ):
            return Note(re.sub(r"\s+", " ", note), False, flags)
        kind = "ungrounded_number" if not grounded else "unsupported_sentence"
        flags.append(Flag(kind, f"note for {hit.paper.display_name} replaced"))
        own = own_sentence(topic, chunks, language) or _title_in(hit.paper, language)
        if own is None:  # no sentence or title in that language: the first one the model read
            line = strip_urls(strip_label(text.split("\n")[0]))[0]
            own = next((s for s in split_sentences(line) if len(terms(s)) >= 3), line[:200])
        return Note(own, True, flags)

    def note(self, topic: str, hit: PaperHit, language: str, *, prefer_own: bool) -> Note:
        """Own words first when `prefer_own` (and the paper has them in that language)."""
        if prefer_own:
            own = self.own_words(topic, hit, language)
            if own is not None:
                return own
        return self.by_model(topic, hit, language)
