"""A list topic in parts: each listed paper must be about every part (retrieval/facets.py,
relevance.py keep_on_every_facet, answer/lists.py)."""

from __future__ import annotations

import pytest

from assistant.answer.lists import ListAnswers
from assistant.config import load_settings
from assistant.retrieval.facets import topic_facets
from assistant.retrieval.relevance import keep_on_every_facet
from assistant.retrieval.topic import TermPapers, TopicTerms


@pytest.mark.parametrize(
    ("question", "facets"),
    [
        (
            "有哪些工作用强化学习来训练扩散语言模型（dLLM）？",
            ["强化学习", "训练扩散语言模型（dLLM）"],
        ),
        (
            "Which papers in the digest apply language or vision-language models to medicine "
            "and healthcare?",
            ["apply language or vision-language models", "medicine and healthcare"],
        ),
        (
            "What work in the digest makes KV caching usable for diffusion language models?",
            ["makes KV caching usable", "diffusion language models"],
        ),
        (
            "哪些论文把扑克游戏用作训练或评测大语言模型的环境？",
            ["扑克游戏", "训练或评测大语言模型的环境"],
        ),
    ],
)
def test_a_topic_in_parts_gives_each_part(question, facets) -> None:
    assert topic_facets(question) == facets


@pytest.mark.parametrize(
    "question",
    [
        "哪些论文在 SWE-bench 上做了评测？",  # one part
        # what follows the colon gives examples, not parts
        "Summarise the papers in the digest on video generation models: generating, "
        "controlling, editing or speeding up generated video.",
        "哪些论文研究了过程奖励模型（PRM）——改进它，或用它给强化学习提供步骤级奖励？",
    ],
)
def test_a_topic_in_one_part_gives_no_facets(question) -> None:
    assert topic_facets(question) == []


@pytest.mark.parametrize(
    ("question", "facets"),
    [
        ("Which papers work on LLMs with binary (1-bit) weights?", ["binary (1-bit) weights"]),
        ("Which papers are mainly about applying LLMs to finance?", ["finance"]),
    ],
)
def test_the_one_part_beside_scaffolding_is_a_facet(question, facets) -> None:
    assert topic_facets(question) == facets


def test_a_paper_far_from_one_part_is_left_out() -> None:
    rl = {"traceRL": 0.43, "coupled": 0.39, "fast-dllm": 0.25, "es-dllm": 0.29}
    dllm = {"traceRL": 0.43, "coupled": 0.46, "fast-dllm": 0.57, "es-dllm": 0.60}
    chosen = ["es-dllm", "fast-dllm", "traceRL", "coupled"]
    assert keep_on_every_facet(chosen, [rl, dllm], 0.6) == ["es-dllm", "traceRL", "coupled"]
    assert keep_on_every_facet(chosen, [rl, dllm], 0.7) == ["traceRL", "coupled"]
    assert keep_on_every_facet(chosen, [], 0.6) == chosen  # one part: nothing filtered
    assert keep_on_every_facet(["a", "b"], [{"a": 0.1, "b": 0.5}], 0.6) == ["b"]
    assert keep_on_every_facet(["a"], [{"b": 0.5}], 0.6) == ["a"]  # the first stays


class _Closeness:
    """paper_similarities of a retriever, from a table (facet -> paper -> similarity)."""

    def __init__(self, table: dict[str, dict[str, float]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def paper_similarities(self, query: str, paper_ids: list[str]) -> dict[str, float]:
        self.asked.append(query)
        return {pid: self.table[query].get(pid, 0.0) for pid in paper_ids}


def test_list_answers_filter_by_each_part_but_not_by_a_part_holding_a_rare_name() -> None:
    settings = load_settings(env_file=None, overrides={"answer": {"list_facet_share": 0.6}})
    table = {
        "强化学习": {"rl": 0.45, "fast": 0.20},
        "训练扩散语言模型（dLLM）": {"rl": 0.40, "fast": 0.60},
    }
    closeness = _Closeness(table)
    lists = ListAnswers(settings, closeness, notes=None)  # type: ignore[arg-type]
    question = "有哪些工作用强化学习来训练扩散语言模型（dLLM）？"
    plain = TopicTerms([], 800)
    assert lists.on_every_facet(question, ["fast", "rl"], plain) == ["rl"]
    # "dLLM" is a rare name the question writes and papers have: that part is left to the
    # key terms; the RL part still filters
    named = TopicTerms([TermPapers("dllm", frozenset({"fast", "rl"}), name_like=True)], 800)
    closeness.asked.clear()
    assert lists.on_every_facet(question, ["fast", "rl"], named) == ["rl"]
    assert closeness.asked == ["强化学习"]
    default = load_settings(env_file=None)  # off unless asked for (see the config)
    assert ListAnswers(default, closeness, notes=None).on_every_facet(  # type: ignore[arg-type]
        question, ["fast", "rl"], plain
    ) == ["fast", "rl"]


def test_the_words_only_a_definition_uses_do_not_rank_the_list() -> None:
    from assistant.answer.lists import _beside_examples
    from assistant.digest.model import Paper
    from assistant.retrieval.facets import split_examples
    from assistant.retrieval.hits import PaperHit
    from assistant.retrieval.relevance import TopicCut

    question = (
        "Which papers propose speculative decoding, where a small draft model proposes tokens "
        "that a larger model verifies?"
    )
    head, definition = split_examples(question)
    assert head.endswith("speculative decoding") and definition.startswith(", where")
    # "verifies" (two papers) outweighs "speculative" (eight) and sets the bar the others miss
    spec = {f"s{i}" for i in range(8)}
    found = TopicTerms(
        [TermPapers("speculative", frozenset(spec)), TermPapers("verifies", frozenset({"s0"}))],
        1000,
    )
    pool = [
        PaperHit(Paper(paper_id=pid, display_name=pid, name_source="title"), score, 0.4, 0)
        for pid, score in [("s0", 1.0), *((f"s{i}", 0.3) for i in range(1, 8))]
    ]
    cut = TopicCut(0.02, 1.5, 0.5, 0.45, 0.8, 0.5, 0.6, 12)
    assert cut.rank(pool, found) == ["s0"]
    assert _beside_examples(question, found).terms[0].term == "speculative"
    assert sorted(cut.rank(pool, _beside_examples(question, found))) == sorted(spec)
    # a word the topic itself uses stays, wherever else it occurs
    video = "Summarise the papers on video generation: generating or editing generated video."
    both = TopicTerms(
        [TermPapers("video", frozenset({"v"})), TermPapers("editing", frozenset())], 1000
    )
    assert [t.term for t in _beside_examples(video, both).terms] == ["video"]
