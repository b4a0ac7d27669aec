"""The settings a figure is measured under (text/concepts.py conditions_in, model_sizes)."""

import pytest

from assistant.text.concepts import conditions_in, model_sizes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("需要 10 步生成的 VAR，DD 实现了一步生成", {"steps": {"10", "1"}}),
        ("two-step generation", {"steps": {"2"}}),
        ("5-shot MMLU and zero-shot GSM8K", {"shots": {"5", "0"}}),
        ("零样本和少样本设置", {"shots": {"0", "few"}}),
        ("1.58-bit weights, 8 比特激活", {"bits": {"1.58", "8"}}),
    ],
)
def test_settings_are_read_with_their_counts(text, expected) -> None:
    assert conditions_in(text) == expected


@pytest.mark.parametrize(
    "text", ["进一步提升了准确率", "第一步是检索", "每一步都验证", "the first step", "1000 样本"]
)
def test_words_that_are_no_setting_are_not_read_as_one(text) -> None:
    assert conditions_in(text) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("在 1.4B 和 7B 参数规模的模型上", {"1.4B", "7B"}),
        ("Qwen2.5-7B-Instruct and llama-13b", {"7B", "13B"}),
        ("a 125M model", {"125M"}),
        ("3 B200 GPUs, GPT-4o, MATH-500, 1.6 倍", set()),
    ],
)
def test_model_sizes_are_read_however_they_are_written(text, expected) -> None:
    assert model_sizes(text) == expected
