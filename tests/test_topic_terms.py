"""A list question's topic terms, and the cut that decides which papers a list names
(retrieval/topic.py, retrieval/relevance.py TopicCut): pure cases, then the bundled
digest's real BM25 index."""

from __future__ import annotations

from assistant.answer.chain import AnswerService
from assistant.config import load_settings
from assistant.digest.model import Paper
from assistant.fakes import ScriptedChatModel
from assistant.index.identity import lexical_params
from assistant.index.lexical import tokenize
from assistant.retrieval.hits import PaperHit
from assistant.retrieval.relevance import TopicCut
from assistant.retrieval.topic import TermPapers, TopicTerms, TopicToken, topic_tokens

SETTINGS = load_settings(env_file=None)


def tokens_of(question: str) -> list[TopicToken]:
    params = lexical_params(SETTINGS)
    return topic_tokens(question, lambda text: tokenize(text, params))


def hit(pid: str, score: float, dense: float) -> PaperHit:
    return PaperHit(Paper(paper_id=pid, display_name=pid, name_source="title"), score, dense, 0)


CUT = TopicCut(
    rare_share=0.02,
    key_weight=1.5,
    relative=0.5,
    min_key_coverage=0.45,
    min_coverage=0.8,
    min_similarity=0.5,
    sure_similarity=0.6,
    limit=12,
)


def terms(total: int = 1000, **papers: set[str]) -> TopicTerms:
    return TopicTerms([TermPapers(t, frozenset(p)) for t, p in papers.items()], total)


def test_scaffolding_single_characters_and_compounds_are_not_topic() -> None:
    words = [
        t.term for t in tokens_of("这份摘要里有没有研究自动驾驶中激光雷达三维目标检测的论文？")
    ]
    assert "激光" in words and "雷达" in words and "驾驶" in words
    assert "激光雷达" not in words  # made of "激光" and "雷达"
    assert not {"论文", "研究", "有没有", "摘要"} & set(words)
    assert all(len(w) > 1 for w in words)
    english = [t.term for t in tokens_of("Which papers in the digest report results on miniF2F?")]
    assert english == ["minif2f"]
    function_words = {
        t.term for t in tokens_of("哪些论文涉及长上下文，比如改进它或者在上面做评测？")
    }
    assert not {"比如", "或者", "上面"} & function_words


def test_words_in_parentheses_are_marked() -> None:
    marked = {
        t.term: t.in_parentheses
        for t in tokens_of("哪些论文在推箱子（Sokoban）类环境上评测智能体？")
    }
    assert marked["sokoban"] is True and marked["箱子"] is False


def test_names_the_question_writes_are_marked() -> None:
    named = {t.term: t.name_like for t in tokens_of("Which papers use GenEval or the Mamba model?")}
    assert named == {"use": False, "geneval": True, "mamba": True, "model": False}
    zh = {t.term: t.name_like for t in tokens_of("哪些论文在 GenEval 文生图基准上报告了结果？")}
    assert zh["geneval"] is True and not any(v for k, v in zh.items() if k != "geneval")


def test_coverage_weights_rare_terms_and_absent_ones_count() -> None:
    topic = terms(poker={"a"}, game={"a", "b", *map(str, range(200))})
    assert topic.coverage("a") == 1.0
    assert 0 < topic.coverage("b") < 0.3  # only the common word
    assert topic.rare(0.02).terms[0].term == "poker"
    music = terms(音乐=set(), 扩散={"x"})
    assert music.absent() == ["音乐"]
    glued = terms(或用=set(), 音乐=set())  # jieba's "或用" is a function word glued on
    assert glued.absent() == ["音乐"]


def test_a_topic_no_paper_has_is_not_covered_however_close_the_vectors() -> None:
    pool = [hit("d1", 1.0, 0.54), hit("d2", 0.9, 0.5)]
    absent = terms(音乐=set(), 扩散={"d1", "d2", *map(str, range(50))})
    assert not CUT.covered(pool, absent)
    assert CUT.covered([hit("d1", 1.0, 0.61)], absent)  # unless very close
    present = terms(扩散={"d1", *map(str, range(50))}, 模型={"d1", "d2"})
    assert CUT.covered(pool, present)  # no key term missing, similarity 0.54


def test_a_rare_term_covers_the_topic_and_brings_papers_retrieval_missed() -> None:
    pool = [hit("p1", 1.0, 0.3), hit("p2", 0.8, 0.3), hit("k1", 0.3, 0.2)]
    topic = terms(minif2f={"k1", "k2", "k3"}, benchmark={"p1", "p2", *map(str, range(80))})
    assert CUT.covered(pool, topic)
    # k1 was ranked 3rd, k2 and k3 not retrieved; p1, retrieval's best, stays last.
    assert CUT.rank(pool, topic) == ["k1", "k2", "k3", "p1"]


def test_a_list_names_every_paper_that_mentions_a_rare_benchmark(bundled_index) -> None:
    retriever = bundled_index.retriever
    question = "Which papers in the digest report experiments on the miniF2F benchmark?"
    svc = AnswerService(SETTINGS, retriever, ScriptedChatModel(script=["unused"]), count_tokens=len)
    result = svc.answer(question)
    mentioning = {
        p.paper_id
        for p in retriever.papers()
        if "minif2f"
        in " ".join(filter(None, [p.abstract, p.summary_zh, p.tldr, *p.sections.values()])).lower()
    }
    assert len(mentioning) == 4
    assert {c.paper.paper_id for c in result.citations} == mentioning


def test_a_list_on_a_topic_the_digest_lacks_abstains_and_says_which_word(bundled_index) -> None:
    svc = AnswerService(
        SETTINGS, bundled_index.retriever, ScriptedChatModel(script=["unused"]), count_tokens=len
    )
    result = svc.answer("有没有论文用扩散模型生成音乐？")
    assert result.kind == "list" and result.abstained and not result.citations
    assert result.answer.endswith("摘要库中没有论文提到：音乐。")


def test_a_paper_outside_the_pool_needs_more_than_one_rare_word() -> None:
    # "LLMs with binary (1-bit) weights": "reward" papers say "binary" in another sense.
    topic = terms(
        binary={"quant", "reward"}, bit={"quant", *map(str, range(10))},
        weights={"quant", *map(str, range(300))}, llms={"quant", "pool", *map(str, range(400))},
    )  # fmt: skip
    pool = [hit("pool", 1.0, 0.5)]
    strict = TopicCut(**{**CUT.__dict__, "outside_coverage": 0.5})
    assert topic.coverage("reward") < 0.5 <= topic.coverage("quant")
    assert set(strict.rank(pool, topic)) == {"pool", "quant"}
    assert set(CUT.rank(pool, topic)) == {"pool", "quant", "reward"}
