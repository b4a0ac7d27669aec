"""Recognising an answer in which the model says the sources lack what was asked."""

from __future__ import annotations

import pytest

from assistant.answer.decline import model_declined


@pytest.mark.parametrize(
    "text",
    [
        # a number with a decimal point before the decline must not end the first sentence
        "The parameter count of 2.42B and the training tokens are not provided in the given "
        "sources [1]. The paper focuses on its architecture.",
        "The sources do not mention the learning rate used [1].",
        "资料中没有提到该模型的训练时长。",
        "该论文未提供具体的显存占用数据[1]。其余细节见原文。",
    ],
)
def test_declines_are_recognised(text: str) -> None:
    assert model_declined(text)


@pytest.mark.parametrize(
    "text",
    [
        "KVZip compresses the KV cache by 3-4x [1]. Some details are not provided.",
        "s1 uses budget forcing to control thinking time [1].",
        "该方法将显存占用降低了 2.5 倍[1]。",
    ],
)
def test_answers_are_not_declines(text: str) -> None:
    assert not model_declined(text)
