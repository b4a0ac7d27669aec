"""Topic summaries with the scripted chat model and the fake embedder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.fakes import FakeEmbeddings, ScriptedChatModel
from assistant.present.markdown import escape_markdown, report_markdown
from assistant.summarize import Summarizer
from assistant.summarize.grouping import group_by_similarity


def note_from_text(messages) -> str:
    """Answers a note prompt with the first sentence of the paper text it was given."""
    prompt = str(messages[-1].content)
    if prompt.startswith(("Topic:", "主题：")) and ("Paper:" in prompt or "论文：" in prompt):
        body = prompt.split("\n", 3)[3]
        line = next(ln for ln in body.splitlines() if ln.strip())
        return re.sub(r"^[^:：]{1,16}[:：]\s*", "", line).split("。")[0].split(". ")[0] + "."
    if "heading" in prompt or "小标题" in prompt:
        return "KV cache methods"
    # The overview: cite the first two notes, plus an invented [9] and a URL.
    return "These papers compress the KV cache [1][2]. See https://x.example for more [9]."


@pytest.fixture
def make(bundled_index):
    """make(script=, **summary settings) -> (a Summarizer over the bundled index, its model)."""

    def build(script=None, **summary):
        # The fake embedder's similarities are noise on long texts: BM25 is the evidence.
        cut = {"relative_score": 0.3, "min_similarity": 0.99, "min_lexical": 2.0}
        settings = load_settings({"summary": {**cut, **summary}})
        model = ScriptedChatModel(script=script or [note_from_text])
        retriever = bundled_index.retriever
        summarizer = Summarizer(settings, retriever, model, FakeEmbeddings(), count_tokens=len)
        return summarizer, model

    return build


def test_grouping_joins_similar_vectors_and_caps_the_count():
    vectors = [[1, 0, 0], [0.95, 0.05, 0], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1]]
    assert group_by_similarity(vectors, max_groups=3, merge_above=0.9) == [[0, 1], [2, 3], [4]]
    assert len(group_by_similarity(vectors, max_groups=2, merge_above=0.99)) == 2
    assert group_by_similarity([], max_groups=3, merge_above=0.5) == []


def test_a_report_cites_only_retrieved_papers_and_keeps_one_reference_list(make):
    summarizer, _ = make(max_papers=5)
    stages = []
    report = summarizer.summarize(
        "KV cache compression for long context inference",
        progress=lambda stage, done, total: stages.append(stage),
    )
    assert not report.too_few and len(report.entries) == 5
    numbers = [e.number for e in report.entries]
    assert numbers == [1, 2, 3, 4, 5]
    retrieved = {h.paper.paper_id for h in summarizer.retriever.search(report.topic, k=60)}
    assert {e.paper.paper_id for e in report.entries} <= retrieved
    # The invented [9] and the URL are gone and counted; [1][2] stand.
    assert "[9]" not in report.overview and "http" not in report.overview
    assert report.removed_citations == 1
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", report.overview)}
    assert cited and cited <= set(numbers)
    assert {"retrieving", "notes", "themes", "overview"} <= set(stages)
    markdown = report_markdown(report)
    references = markdown.split("## References", 1)[1]
    assert references.count("\n1. ") == 1  # one reference list entry per paper
    for entry in report.entries:
        assert f"\n{entry.number}. {escape_markdown(entry.paper.display_name)}" in references
        link = entry.paper.link or entry.paper.search_url
        assert f"]({link})" in references


def test_notes_that_the_paper_does_not_support_are_replaced_by_its_own_sentence(make):
    def invent(messages):
        prompt = str(messages[-1].content)
        if "Paper:" in prompt:
            return "It reaches 99.9% accuracy on every benchmark ever made."
        return "Theme" if "heading" in prompt else "They study the topic [1]."

    summarizer, _ = make(script=[invent], max_papers=3)
    report = summarizer.summarize("KV cache compression for long context inference")
    assert all(e.extractive for e in report.entries)
    assert all("99.9%" not in e.note for e in report.entries)
    assert any(f.kind == "ungrounded_number" for f in report.flags)


def test_a_topic_with_no_match_gets_an_honest_short_report(make):
    summarizer, model = make()
    report = summarizer.summarize("zzqx frobnication of quuxes")
    assert report.too_few and report.entries == []
    assert "The digest has no paper on this topic." in report_markdown(report)
    assert model.prompts == []


def test_a_topic_with_one_paper_says_how_many_there_are(make):
    summarizer, _ = make(relative_score=0.99)
    report = summarizer.summarize("GuardSpace")
    assert report.too_few and [e.paper.display_name for e in report.entries] == ["GuardSpace"]
    assert "The digest has only 1 paper(s) on this topic." in report_markdown(report)


def test_chinese_topics_get_a_chinese_report(make):
    summarizer, _ = make(max_papers=3)
    report = summarizer.summarize("KV 缓存压缩的方法")
    assert report.language == "zh"
    assert report_markdown(report).startswith("# 主题综述：KV 缓存压缩的方法")


def test_the_web_tab_handler_streams_progress_then_the_report_and_a_file(make):
    from assistant.web.summary_tab import SummaryHandlers

    summarizer, _ = make(max_papers=3)
    handlers = SummaryHandlers(summarizer, lambda categories: None)
    updates = list(handlers.run("KV cache compression for long context", [], 3, "auto"))
    assert any(u[0].startswith("⏳ Reading papers") for u in updates)
    status, report, path = updates[-1]
    assert status.startswith("✅ 3 paper(s)")
    assert "#### References" in report and "](https://" in report
    assert path.endswith(".md")
    assert "# Topic summary" in Path(path).read_text(encoding="utf-8")
    assert list(handlers.run("  ", [], 3, "auto")) == [("Enter a topic first.", "", None)]
