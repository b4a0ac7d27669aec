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


@pytest.mark.parametrize(
    "text",
    [
        "The learning rate used to pre-train the YuLan-Mini model was [1] and the batch size "
        "was [1].",
        "LIMO 在 GPQA 上的准确率是[1]。",
    ],
)
def test_a_marker_where_a_value_belongs_is_a_decline(text: str) -> None:
    assert model_declined(text)


@pytest.mark.parametrize(
    "text",
    [
        "The model with the best accuracy on GPQA is [1].",
        "The paper that reports the learning rate is [1].",
        "提出该方法的论文是[1]。",
    ],
)
def test_a_marker_where_a_paper_belongs_is_an_answer(text: str) -> None:
    assert not model_declined(text)
