"""A number stands only where a source states it as what the question asks
(answer/grounding.py): the near misses of the dev set, where the model gave a figure of
the right paper as an answer to another question."""

from __future__ import annotations

import pytest

from assistant.answer.grounding import invented_names, ungrounded_numbers

BORROWED = [
    # an absolute value asked, a gain stated
    (
        "FinSeer 在 BIGDATA22 上的准确率绝对值是8%。",
        "FinSeer 超越现有检索方法，在 BIGDATA22 上的准确率高出 8%，"
        "并能检索出更具影响力的时间序列。",
        "它的检索器 FinSeer 在 BIGDATA22 上的准确率绝对值是多少？",
    ),
    (
        "The absolute average accuracy achieved by EEPO with Qwen3-8B-Base is 10.4%.",
        "EEPO outperforms GRPO, achieving average relative gains of 24.3% on Qwen2.5-3B and "
        "10.4% on Qwen3-8B-Base.",
        "What absolute average accuracy does EEPO reach on Qwen3-8B-Base?",
    ),
    # one part asked, an average stated
    (
        "GPT-4o 在高层次语义任务上的得分仅为 28.9%。",
        "MLLMs 在高层次任务上表现出色但在低层次操作方面表现较差，"
        "最佳模型 GPT-4o 的平均得分仅为 28.9%。",
        "那个基准里，GPT-4o 单在高层次任务上的得分是多少？",
    ),
    # another metric, or another k
    (
        "SvS 方法在 Pass@1 上的提升为 22.8%。",
        "在 AIME24 和 AIME25 等 12 个推理基准数据集上进行实验,并在 Pass@32 上获得最高 22.8% 提升。",
        "SvS 方法在 AIME24 上的 Pass@1 提升了多少？",
    ),
    (
        "检测的 F1 分数是98.2%。",
        "模型在检测准确率达98.2%、定位交并比36.0%的指标上刷新SOTA。",
        "FakeXplainer 检测的 F1 分数是多少？",
    ),
    (
        "Llama3-70B 模型 F1 分数是 87%。",
        "通过HALT方法将Llama3-70B模型的正确性从51%提升至87%,同时保持53%的回答完整性。",
        "调到最高正确性的那个 Llama3-70B 模型 F1 分数是多少？",
    ),
    # a number glued to a Chinese character is a number too
    (
        "TrimR 一共用了16张卡。",
        "TrimR 在昇腾 NPU 上进行了大批量推理评测。",
        "TrimR 一共用了多少张卡？",
    ),
]

STATED = [
    (
        "KVZip reduces memory by 3.4x.",
        "KVZip reduces KV cache memory by 3.4x on LongBench.",
        "How much memory does KVZip save?",
    ),
    (
        "FinSeer 在 BIGDATA22 上的准确率高出 8%。",
        "FinSeer 在 BIGDATA22 上的准确率高出 8%。",
        "FinSeer 在 BIGDATA22 上的准确率比现有方法高多少？",
    ),
    (
        "ReMix 的平均 Pass@1 为 52.10%。",
        "ReMix achieves an average Pass@1 accuracy of 52.10% across five benchmarks.",
        "ReMix 的平均 Pass@1 是多少？",
    ),
    (
        "该模型在 MATH 上达到了94.8%。",
        "在 MATH 上达到了 94.8% 的准确率。",
        "它在 MATH 上的准确率是多少？",
    ),
]


@pytest.mark.parametrize(("sentence", "source", "question"), BORROWED)
def test_a_figure_stated_as_something_else_is_not_grounded(sentence, source, question) -> None:
    assert ungrounded_numbers(sentence, [source], question)


@pytest.mark.parametrize(("sentence", "source", "question"), STATED)
def test_a_figure_stated_as_asked_is_grounded(sentence, source, question) -> None:
    assert ungrounded_numbers(sentence, [source], question) == []


def test_a_gain_named_before_a_list_of_figures_covers_each_of_them() -> None:
    source = (
        "Across five reasoning benchmarks, EEPO outperforms GRPO, achieving average relative "
        "gains of 24.3\\% on Qwen2.5-3B, 33.0\\% on Llama3.2-3B-Instruct, and 10.4\\% on "
        "Qwen3-8B-Base."
    )
    question = "What absolute average accuracy does EEPO, the RLVR method, reach with Qwen3-8B?"
    answer = "The absolute average accuracy of EEPO with Qwen3-8B-Base is 10.4%."
    assert [n.written for n in ungrounded_numbers(answer, [source], question)] == ["10.4%"]


def test_the_metric_asked_is_the_one_the_question_asks_for_not_one_describing_the_paper() -> None:
    source = "通过HALT方法将Llama3-70B模型的正确性从51%提升至87%,同时保持53%的回答完整性。"
    question = "让模型只部分作答的 HALT 方法，调到最高正确性的那个 Llama3-70B 模型 F1 分数是多少？"
    answer = "调到最高正确性的 Llama3-70B 模型 F1 分数是 87%。"
    assert [n.written for n in ungrounded_numbers(answer, [source], question)] == ["87%"]


def test_a_figure_for_another_benchmark_is_not_grounded() -> None:
    source = "LIMO 在 AIME24 上达到 57.1% 的准确率，在 MATH500 上达到 94.8%。"
    question = "LIMO 在 GPQA 上的准确率是多少？"
    answer = "LIMO 在 GPQA 上的准确率是 57.1%。"
    assert [
        n.written for n in ungrounded_numbers(answer, [source], question, exclude={"limo"})
    ] == ["57.1%"]
    asked_right = "LIMO 在 AIME24 上的准确率是多少？"
    assert ungrounded_numbers("LIMO 在 AIME24 上达到 57.1%。", [source], asked_right) == []


def test_a_question_that_asks_two_things_asks_of_the_names_in_both() -> None:
    source = (
        "After RL training, ASearcher achieved scores of GAIA 58.1, xBench 51.1, and Frames "
        "74.5 using only basic search tools."
    )
    question = (
        "How many actions per rollout is the RL-trained QwQ-32B search agent allowed, and what "
        "GAIA score does it reach using only basic search tools?"
    )
    answer = "It achieves a GAIA score of 58.1 using only basic search tools."
    entry = "Based on an RL-trained QwQ-32B model, ASearcher … " + source
    assert ungrounded_numbers(answer, [source], question, entries=[entry]) == []


def test_a_figure_under_another_setting_is_not_grounded() -> None:
    # the digest gives VAR's one-step FID; two steps were asked
    source = "对于需要 10 步生成的 VAR，DD 实现了一步生成（6.3 倍加速），FID 从 4.19 增加到 9.96。"
    question = "Distilled Decoding 在 VAR 上用两步生成时 FID 是多少？"
    answer = "Distilled Decoding 在 VAR 上用两步生成时 FID 是 9.96。"
    assert [n.written for n in ungrounded_numbers(answer, [source], question)] == ["9.96"]
    one_step = "Distilled Decoding 在 VAR 上用一步生成时 FID 是多少？"
    assert ungrounded_numbers("一步生成时 FID 是 9.96。", [source], one_step) == []
    shots = "Model X reaches 61.2 on MMLU in the zero-shot setting."
    asked = "What 5-shot MMLU score does Model X reach?"
    assert ungrounded_numbers("Model X reaches 61.2 on MMLU.", [shots], asked)


def test_a_figure_for_another_model_size_is_not_grounded() -> None:
    source = "在 1.4B 和 7B 模型上验证。结果表明,LET 使 1.4B 模型的训练速度提升至 1.6 倍。"
    question = "LET 在 7B 模型上训练速度提升了多少倍？"
    answer = "LET 的训练速度提升至 1.6 倍。"
    assert [n.written for n in ungrounded_numbers(answer, [source], question)] == ["1.6 倍"]
    asked_small = "LET 在 1.4B 模型上训练速度提升了多少倍？"
    assert ungrounded_numbers(answer, [source], asked_small) == []
    # every size the question names counts, wherever it stands; a size claimed as the
    # answer ("how small a model …?") is checked as any number
    both = "某框架的 7B 模型在 MATH-500 上达到多少 pass@1？它的 32B 版本又是多少？"
    scores = "The 7B model reaches 94.0 pass@1 on MATH-500 and the 32B model reaches 95.0."
    assert ungrounded_numbers("The 32B model reaches 95.0.", [scores], both) == []
    small = "A 0.5B LLM outperforms GPT-4o on MATH-500, and a 3B LLM surpasses a 405B LLM."
    how_small = "How small a model surpasses a 405B LLM on MATH-500?"
    assert ungrounded_numbers("A 3B LLM surpasses a 405B LLM.", [small], how_small) == []


def test_a_figure_for_a_benchmark_or_model_the_paper_never_names_is_not_grounded() -> None:
    source = (
        "On diverse benchmarks, DND boosts the performances of the dense Qwen3-1.7B, "
        "Llama3.2-1B, and Gemma3-1B by 1.88%, 2.61%, and 2.50%."
    )
    question = "DND 在 Qwen3-1.7B 上 MMLU 单项提升了多少？"
    answer = "DND 在 Qwen3-1.7B 上 MMLU 单项提升了 1.88%。"
    assert [n.written for n in ungrounded_numbers(answer, [source], question)] == ["1.88%"]
    # a name written another way is the same name; a generic one ("LLM") names nothing
    alpaca = "这些改进使 ORPO 在 Alpaca Eval 2 中的性能提升了 +3.46。"
    asked = "How much did ORPO improve on AlpacaEval 2 in this LLM study?"
    assert ungrounded_numbers("ORPO improved by +3.46 on AlpacaEval 2.", [alpaca], asked) == []


def test_a_name_no_source_and_not_the_question_gives_is_invented() -> None:
    source = "在 ReluLLaMA 和 Prosparse 模型上实验，DynamicInfer 比 llama.cpp 提速 253%。"
    question = "DynamicInfer 实验里用的消费级显卡具体是哪一款？"
    assert invented_names("实验里用的消费级显卡具体是 Power9。", [question, source]) == ["Power9"]
    # names the texts give, in any spelling, and generic acronyms are not
    said = "DynamicInfer 在 Relu-LLaMA 上比 Llama.cpp 更快，适合消费级 GPU。"
    assert invented_names(said, [question, source]) == []
