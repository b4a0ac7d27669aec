"""List answers and comparisons with the fake backend over the bundled digest: names and
citations by code, each line from the paper it cites, tables with cited cells."""

from __future__ import annotations

import re

import pytest

from assistant.answer.chain import AnswerService
from assistant.config import load_settings
from assistant.digest.naming import clean_latex
from assistant.fakes import ScriptedChatModel
from assistant.present.markdown import answer_markdown

LINE = re.compile(r"^- (?P<name>.+) \[(?P<n>\d+)\][:：] ?(?P<note>.+)$")


@pytest.fixture
def service(bundled_index):
    def build(*script):
        model = ScriptedChatModel(script=list(script) or ["unused"])
        settings = load_settings(env_file=None)
        retriever = bundled_index.retriever
        return AnswerService(settings, retriever, model, count_tokens=len), model

    return build


def paper_text(paper) -> str:
    """The paper's text as notes quote it (LaTeX written out: "d$^2$Cache" -> "d²Cache")."""
    parts = [paper.summary_zh, paper.tldr, paper.abstract, *paper.sections.values()]
    return clean_latex(" ".join(p for p in parts if p))


def test_a_list_question_gets_one_line_per_paper_from_its_own_text(service) -> None:
    svc, model = service()
    events = list(svc.stream("Which papers in the digest study KV cache compression?"))
    result = events[-1].result
    assert result.kind == "list" and not result.abstained
    lines = result.answer.split("\n")
    assert lines[0] == f"The digest has {len(result.citations)} paper(s) on this:"
    assert len(result.citations) >= 3
    for line, citation in zip(lines[1:], result.citations, strict=True):
        match = LINE.match(line)
        assert match, line
        assert match["name"] == citation.paper.display_name and int(match["n"]) == citation.number
        note = match["note"].rstrip("…")
        assert note in paper_text(citation.paper)  # the paper's own words, not the model's
    assert model.prompts == []  # every paper had an English sentence: no model call
    assert [e.kind for e in events].count("token") == len(lines)  # line by line
    data = result.to_dict()
    assert [p["paper_id"] for p in data["papers"]] == [c.paper.paper_id for c in result.citations]


def test_a_chinese_list_question_is_answered_in_chinese(service) -> None:
    svc, _ = service()
    result = svc.answer("哪些论文研究了 KV cache 压缩？")
    assert result.kind == "list" and result.answer.startswith("摘要库中有")
    notes = [LINE.match(line)["note"] for line in result.answer.split("\n")[1:]]
    assert notes and all(re.search(r"[\u4e00-\u9fff]", note) for note in notes)


def test_a_list_on_a_topic_the_digest_lacks_abstains(service) -> None:
    svc, model = service()
    result = svc.answer("Which papers study protein folding with cryo-EM maps?")
    assert result.abstained and model.prompts == []


def test_a_comparison_is_a_table_of_cited_cells_and_a_checked_sentence(service) -> None:
    svc, model = service("[1] compresses the KV cache with a transform coder, while [2] ...")
    result = svc.answer("Compare KVTC and ProtoKV.")
    assert result.kind == "compare" and not result.abstained
    header, *rows = result.table
    assert header == ["", "KVTC [1]", "ProtoKV [2]"]
    assert [row[0] for row in rows] == ["Problem", "Method", "Data", "Results"]
    for row in rows:
        for n, cell in enumerate(row[1:], start=1):
            assert cell == "—" or cell.endswith(f"[{n}]")
    assert [c.paper.display_name for c in result.citations] == ["KVTC", "ProtoKV"]
    markdown = answer_markdown(result)
    assert markdown.startswith("|  | KVTC [\\[1\\]](") and "|---|---|---|" in markdown
    assert len(model.prompts) == 1  # one call, for the main difference


def test_an_unknown_name_is_said_to_be_unknown(service) -> None:
    svc, _ = service("unused")
    result = svc.answer("Compare KVTC and Sora.")
    assert result.unknown_names == ["Sora"]
    assert "The digest has no paper named “Sora”." in result.answer
    assert result.table and result.table[0] == ["", "KVTC [1]"]
    nothing = svc.answer("Compare Sora and Llama 4.")
    assert nothing.abstained and "no paper named “Sora”" in nothing.answer


def test_names_the_papers_only_mention_make_a_single_paper_question(service) -> None:
    svc, model = service("它在 Physics-IQ 上与 Kling 和 Wan 对比 [1]。")
    question = "下一片段扩散预训练的视频模型在 Physics-IQ 上与之对比的 Kling 和 Wan 各得多少分？"
    result = svc.answer(question)
    assert result.kind == "single" and not result.unknown_names
    assert "没有名为" not in result.answer
    assert len(model.prompts) >= 1  # answered from the retrieved paper, not abstained by name


def test_two_names_of_one_paper_make_a_single_paper_question(service) -> None:
    # "GRPO" and "AT-GRPO" both find AT-GRPO: the question compares its two training modes
    svc, model = service("AT-GRPO 支持单策略和多策略训练 [1]。")
    question = (
        "用来训练多智能体系统的 AT-GRPO 同时支持单策略和多策略训练，这两种方式和 GRPO 比哪个更好？"
    )
    result = svc.answer(question)
    assert result.kind == "single" and not result.table
    assert len(model.prompts) >= 1  # answered from the paper, not a one-column table
