"""What the model reads of a paper (answer/context.py): the sentences that answer the
question, across languages too."""

from __future__ import annotations

from assistant.answer.context import select_sentences
from assistant.retrieval.hits import ChunkHit

S1 = [
    "首先，我们构建了一个高质量数据集 s1K，包含 1,000 个典型问题样本。",
    "在此基础上，我们提出了一种新型预算管理机制——预算强制算法。",
    "实验结果表明，模型在 MATH 和 AIME24 上较基线最高提升了 27%。",
]


class Meaning:
    """A stand-in for the embedder: close to the sentence about budget forcing."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, question: str, texts: list[str]) -> list[float]:
        self.calls.append(texts)
        return [0.46 if "预算强制" in t else 0.25 for t in texts]


def chunk(text: str, section: str = "summary", language: str = "zh") -> ChunkHit:
    return ChunkHit("c1", "s1", section, language, text)


def test_a_paper_only_in_the_other_language_is_read_by_meaning() -> None:
    meaning = Meaning()
    text, _ = select_sentences(
        "What does the s1 paper's budget forcing do?", None, [chunk("".join(S1))], 30,
        lambda s: len(s) // 2, meaning,
    )  # fmt: skip
    assert "预算强制算法" in text and "s1K" not in text
    without, _ = select_sentences(
        "What does the s1 paper's budget forcing do?", None, [chunk("".join(S1))], 30,
        lambda s: len(s) // 2,
    )  # fmt: skip
    assert "预算强制算法" not in without  # words alone cannot find it


def test_a_paper_with_sentences_in_the_question_language_is_read_by_its_words() -> None:
    meaning = Meaning()
    chunks = [
        chunk("".join(S1)),
        chunk("We propose budget forcing to control thinking.", "abstract", "en"),
    ]
    text, _ = select_sentences(
        "What does budget forcing do?", None, chunks, 30, lambda s: len(s) // 2, meaning
    )
    assert "We propose budget forcing" in text and meaning.calls == []
