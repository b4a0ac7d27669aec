"""A sentence that only says the question back is no answer; a name, a figure or a yes/no
is one."""

from __future__ import annotations

from assistant.answer.restating import restates
from assistant.digest.model import Paper

NAMES = [Paper(paper_id="svs", display_name="SvS", name_source="text")]
FSA = Paper(
    paper_id="fsa", display_name="FSA", name_source="text", title_en="Flash Sparse Attention"
)


def test_a_fragment_of_the_question_restates_it() -> None:
    question = "用策略自己的正确解答合成变体问题的 SvS 方法，在 AIME24 上的 Pass@1 提升了多少？"
    assert restates("SvS 在 AIME24 上。", question, NAMES)


def test_a_figure_a_name_or_a_yes_answers() -> None:
    question = "SvS 在 AIME24 上的 Pass@1 提升了多少？"
    assert not restates("SvS 在 AIME24 上的 Pass@1 提升了 18.3 个百分点。", question, NAMES)
    assert not restates("SvS 在 AIME24 上用 Qwen2.5-32B 训练。", question, NAMES)
    assert not restates("Yes, SvS uses AIME24.", "Does SvS use AIME24?", NAMES)


def test_an_english_restatement_with_two_filler_words() -> None:
    question = "On which GPU was Flash Sparse Attention (FSA) benchmarked for its kernel latency?"
    sentence = (
        "The benchmarking of Flash Sparse Attention (FSA) for its kernel latency "
        "is described in FSA."
    )
    assert restates(sentence, question, [FSA])


def test_naming_the_paper_answers_a_which_paper_question() -> None:
    from assistant.answer.citations import check_citations
    from assistant.answer.result import Source
    from assistant.digest import load_digests
    from tests.conftest import BUNDLED

    paper = load_digests([BUNDLED]).get("2502.05171")
    question = "Which paper scales test-time compute with a recurrent depth model?"
    sources = [Source(1, paper, f"{paper.title_en}. {paper.summary_zh}")]
    raw = "[1] scales test-time compute with a recurrent depth model."
    checked = check_citations(raw, sources, "en", question=question, asked_as=question)
    assert checked.supported_sentences == 1 and "[1]" in checked.text


def test_a_name_answers_which_paper_not_what_figure() -> None:
    from assistant.answer.restating import asks_for_a_paper

    assert asks_for_a_paper("Which paper scales test-time compute with a recurrent depth?")
    assert asks_for_a_paper("哪篇论文指出大模型中近一半的深层几乎不起作用？")
    assert asks_for_a_paper("Which text-to-video paper lets users act like a film director?")
    assert asks_for_a_paper("Which training-free method inserts new objects into videos?")
    assert not asks_for_a_paper("What FID does the generator that samples distant tokens reach?")
    assert not asks_for_a_paper("What FID does the model reach on ImageNet?")
    assert not restates(
        "The embodied environment was Among Us.",
        "In which embodied environment did the agents play, and how much did they win?",
        [],
    )


def test_a_names_digits_are_no_figure() -> None:
    paper = Paper(paper_id="dd", display_name="Distilled Decoding 1", name_source="text")
    question = "What FID does the generator that samples weakly dependent tokens reach?"
    sentence = "According to Distilled Decoding 1, the FID of the generator that samples tokens."
    assert restates(sentence, question, [paper])


def test_a_restatement_that_cites_another_paper_after_the_answer_goes() -> None:
    from assistant.answer.citations import check_citations
    from assistant.answer.result import Source

    v3 = Paper(paper_id="v3", display_name="DeepSeek-V3", name_source="title")
    other = Paper(paper_id="moe", display_name="MoE Efficiency Study", name_source="text")
    sources = [
        Source(1, v3, "DeepSeek-V3 完整训练仅需 278.8 万 H800 GPU 小时。"),
        Source(2, other, "我们研究了 MoE 模型的效率，总参数与激活参数之比影响吞吐。"),
    ]
    question = "总参数 6710 亿、激活 370 亿参数的那个 MoE 模型，完整训练花了多少 GPU 小时？"
    raw = (
        "[1] 完整训练花了 278.8 万 H800 GPU 小时。"
        "[2] 总参数 6710 亿、激活 370 亿参数的那个 MoE 模型。"
    )
    checked = check_citations(raw, sources, "zh", question=question, asked_as=question)
    assert [c.paper.paper_id for c in checked.citations] == ["v3"]
    assert any(f.kind == "restates_question" for f in checked.flags)
    # the same restatement as the first claim stays: it may be the answer's only sentence
    alone = check_citations(raw.split("。", 1)[1], sources, "zh", question=question,
                            asked_as=question)  # fmt: skip
    assert not any(f.kind == "restates_question" for f in alone.flags)
