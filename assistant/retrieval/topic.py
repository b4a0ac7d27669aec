"""The rare words of a list question's topic, and how much of them a paper has.

"Which papers report results on miniF2F?" is about one word that only four papers of the
digest contain; dense retrieval ranks them 5th to 13th and BM25 mixes them with papers
that share only "benchmark". "有没有论文用扩散模型生成音乐？" is about a word ("音乐")
that no paper contains at all, while "扩散" and "生成" are everywhere. So a list answer
looks at the topic's *key terms*: its words (BM25 tokens, question scaffolding removed)
that occur in few papers or none. A paper's coverage is the idf-weighted share of the
terms it contains; a key term no paper contains says the topic may be absent.

Function words ("比如", "或者", "上面") are no topic (bm25s's Chinese and English stopword
lists); an English word the digest has only in another form ("repeating" / "repeated")
counts the papers of that form; and a name the question writes as one ("GenEval",
"Mamba", "miniF2F") is marked, because a list question about a named thing is answered by
the papers that name it, whatever descriptive words around it the digest lacks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

# Words of the question that say "list papers", not what they are about.
_SCAFFOLD = re.compile(
    r"这份摘要(?:库)?里?|摘要库?(?:里|中)?|有没有|有哪些|哪些|论文|工作|研究了?|相关|关于|列出|列举"
    r"|总结一下|总结|实验|做了|报告了?|结果|基准|评测"
    r"|\b(?:which|what|are there|any|papers?|works?|stud(?:y|ies)|research|in the digest|digest"
    r"|report|results?|experiments?|evaluate|benchmark|environment|task|is there|list"
    r"|summari[sz]e|mainly about|arxiv|links?|how (?:much|many))\b",
    re.I,
)
_PARENS = re.compile(r"[(（][^()（）]*[)）]")
_ONE_HAN = re.compile(r"[\u3400-\u9fff]")
# A Chinese "word" that is a function character glued to another (jieba's "或用", "是从")
# is no evidence of a missing topic.
_GLUE = frozenset("或用是从在把被给让和与及对为以将并也这那其该个种的了就某")
# A word written as a name: capitals or digits inside it ("GenEval", "miniF2F", "HMMT"), or
# capitalised anywhere but at the start of a sentence ("Mamba").
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？]\s*)$")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_CHINESE, STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_CHINESE) | frozenset(STOPWORDS_EN_PLUS)


def _names_in(question: str) -> set[str]:
    """The words of `question` written as names, lower-cased."""
    names = set()
    for match in _LATIN_WORD.finditer(question):
        word = match.group(0)
        inner = any(ch.isupper() or ch.isdigit() for ch in word[1:])
        capitalised = word[0].isupper() and not _SENTENCE_START.search(question[: match.start()])
        if inner or capitalised:
            names.add(word.lower())
    return names


@dataclass(frozen=True)
class TopicToken:
    """A token of the topic, as the question writes it."""

    term: str
    in_parentheses: bool = False  # an example or alias ("(Sokoban)"), not the topic itself
    name_like: bool = False  # part of a name the question writes as one ("GenEval")


@dataclass
class TermPapers:
    """A topic term and the papers that contain it."""

    term: str
    papers: frozenset[str]
    in_parentheses: bool = False  # an example or alias ("(Sokoban)"), not the topic itself
    name_like: bool = False  # part of a name the question writes as one ("GenEval")


@dataclass
class TopicTerms:
    """Terms of a topic over a catalog of `total` papers."""

    terms: list[TermPapers] = field(default_factory=list)
    total: int = 0

    def __bool__(self) -> bool:
        return bool(self.terms)

    def rare(self, share: float) -> TopicTerms:
        """The key terms: those found in at most `share` of the papers (or none)."""
        most = max(1, int(share * self.total))
        return TopicTerms([t for t in self.terms if len(t.papers) <= most], self.total)

    def without(self, words: set[str]) -> TopicTerms:
        """The same terms but the given ones."""
        return TopicTerms([t for t in self.terms if t.term not in words], self.total)

    def within(self, paper_ids: set[str]) -> TopicTerms:
        """The same terms, counting only the given papers (a filtered search's)."""
        kept = [
            TermPapers(t.term, t.papers & paper_ids, t.in_parentheses, t.name_like)
            for t in self.terms
        ]
        return TopicTerms(kept, self.total)

    def _idf(self, term: TermPapers) -> float:
        return math.log(1 + self.total / (len(term.papers) + 0.5))

    def coverage(self, paper_id: str) -> float:
        """Idf-weighted share of the terms the paper contains (0 to 1)."""
        weights = [(self._idf(t), paper_id in t.papers) for t in self.terms]
        total = sum(w for w, _ in weights)
        return sum(w for w, present in weights if present) / total if total else 0.0

    def best_coverage(self, paper_ids: Iterable[str]) -> float:
        return max((self.coverage(pid) for pid in paper_ids), default=0.0)

    def papers(self) -> set[str]:
        """Every paper that contains at least one of the terms."""
        return {pid for t in self.terms for pid in t.papers}

    def named(self) -> TopicTerms:
        """The terms that are (part of) a name the question writes as one and papers have."""
        return TopicTerms([t for t in self.terms if t.name_like and t.papers], self.total)

    def absent(self) -> list[str]:
        """Terms of the topic itself (not an example in parentheses) no paper contains."""
        return [
            t.term
            for t in self.terms
            if not t.papers and not t.in_parentheses and not _glued(t.term)
        ]


def _glued(term: str) -> bool:
    return bool(_ONE_HAN.match(term)) and (term[0] in _GLUE or term[-1] in _GLUE)


def topic_tokens(question: str, tokenize: Callable[[str], list[str]]) -> list[TopicToken]:
    """The topic's tokens; scaffolding, function words, single Chinese characters and
    compounds of other tokens ("激光雷达" beside "激光", "雷达") left out."""
    text = _SCAFFOLD.sub(" ", question)
    inside = {tok for part in _PARENS.findall(text) for tok in tokenize(part)}
    names = _names_in(text)
    stop = _stopwords()
    tokens = [
        t for t in dict.fromkeys(tokenize(text)) if not _ONE_HAN.fullmatch(t) and t not in stop
    ]
    kept = []
    for token in tokens:
        parts = [other for other in tokens if other != token and other in token]
        if len(parts) >= 2 and sum(map(len, parts)) >= len(token):
            continue
        name_like = any(token in name for name in names)
        kept.append(TopicToken(token, token in inside, name_like))
    return kept


def topic_terms(
    tokens: Iterable[TopicToken], papers_with: Callable[[str], frozenset[str]], total: int
) -> TopicTerms:
    """Each topic token with the papers that contain it."""
    return TopicTerms(
        [TermPapers(t.term, papers_with(t.term), t.in_parentheses, t.name_like) for t in tokens],
        total,
    )
