"""The evaluation runner: metrics on hand-made cases, question sets, resuming, compare."""

from __future__ import annotations

import json

import pytest

from assistant.answer.chain import AnswerService
from assistant.config import load_settings
from assistant.errors import EvalSetError
from assistant.evals import metrics as m
from assistant.evals.compare import compare_runs
from assistant.evals.questions import load_question_set
from assistant.evals.report import full_summary, write_report
from assistant.evals.runner import read_outputs, run_eval
from assistant.fakes import ScriptedChatModel, extractive_reply
from tests.conftest import TEST_DATA

TINY = TEST_DATA / "evals" / "tiny.jsonl"


# -- metrics ---------------------------------------------------------------------------


def test_recall_and_mrr_perfect_partial_empty():
    assert m.recall_at(["a", "b"], ["a"], 5) == 1.0
    assert m.recall_at(["x", "a", "y"], ["a", "b"], 5) == 0.5
    assert m.recall_at([], ["a"], 5) == 0.0
    assert m.recall_at(["a"], [], 5) is None
    assert m.reciprocal_rank(["x", "y", "a"], ["a"]) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["x"] * 3, ["a"]) == 0.0
    assert m.recall_at(["x", "y", "a"], ["a"], 2) == 0.0


def test_duplicates_count_once_and_urls_equal_ids():
    retrieved = ["2502.05171", "https://arxiv.org/abs/2502.05171v2", "b"]
    assert m.recall_at(retrieved, ["b"], 2) == 1.0  # the duplicate does not take a slot
    assert m.reciprocal_rank(retrieved, ["arXiv:2502.05171"]) == 1.0
    assert m.citation_counts(["2502.05171", "2502.05171", "z"], ["2502.05171"]) == (1, 2)
    # a list question's acceptable papers are not wrong citations; others still are
    assert m.citation_counts(["2502.05171", "z", "y"], ["2502.05171"], ["z"]) == (2, 3)
    assert m.citation_recall(["https://arxiv.org/pdf/2502.05171"], ["2502.05171", "q"]) == 0.5


def test_fact_coverage_with_alternatives_and_latex_percent():
    assert m.fact_coverage("It cut harm to 3.6\\% on GSM8K.", ["3.6%", "gsm8k"]) == 1.0
    assert m.fact_coverage("35 亿参数", ["3.5B|35 亿", "800 亿"]) == 0.5
    assert m.fact_coverage("anything", []) is None


def test_percentiles():
    assert m.percentile([1, 2, 3, 4], 50) == 2.5
    assert m.percentile([5], 95) == 5
    assert m.percentile([], 50) is None


# -- question sets -----------------------------------------------------------------------


def test_bad_lines_are_reported_with_file_and_line_and_skipped():
    questions, issues = load_question_set(TINY)
    assert [q.id for q in questions] == ["t1", "t2", "t3", "t4"]
    assert [i.line for i in issues] == [4, 6]
    assert all("tiny.jsonl" in i.file for i in issues)
    assert "missing field 'gold'" in issues[1].message
    assert questions[1].gold == ["2501.00001"]  # an arXiv URL becomes its id


def test_a_set_with_no_usable_line_is_an_error(tmp_path, make_service):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("nope\n", encoding="utf-8")
    with pytest.raises(EvalSetError):
        load_question_set(bad)


# -- the runner ----------------------------------------------------------------------------


@pytest.fixture
def make_service(sample_index):
    """make_service(script=) -> (an AnswerService over the sample index, its model)."""

    def build(script=None):
        model = ScriptedChatModel(script=script or [extractive_reply])
        # The fake embedder's similarities are small: BM25 decides what is answerable.
        settings = load_settings({"answer": {"min_similarity": 0.3, "min_lexical": 1.0}})
        return AnswerService(settings, sample_index.retriever, model, count_tokens=len), model

    return build


def test_retrieval_only_calls_no_model_and_uses_the_history(tmp_path, make_service):
    questions, _ = load_question_set(TINY)
    service, model = make_service()
    records = run_eval(service, questions, tmp_path, retrieval_only=True)
    assert model.prompts == []
    assert [r["id"] for r in records] == ["t1", "t2", "t3", "t4"]
    assert all(r["answer"] == "" and r["cited"] == [] for r in records)
    t4 = records[3]
    assert t4["standalone_question"].startswith("Tell me about KVZip")
    assert t4["retrieved"][0]["paper_id"] == "h-2374743d5307"
    assert set(t4["retrieved"][0]) == {"paper_id", "url", "title", "text_start"}


def test_full_run_writes_outputs_summary_report_and_resumes(tmp_path, make_service):
    questions, _ = load_question_set(TINY)
    service, model = make_service()
    first = run_eval(service, questions[:2], tmp_path)
    assert len(first) == 2
    calls = len(model.prompts)
    again = run_eval(service, questions, tmp_path)  # t1, t2 are done: only t3, t4 run
    assert [r["id"] for r in again] == ["t3", "t4"]
    assert len(model.prompts) > calls
    records = read_outputs(tmp_path)
    assert [r["id"] for r in records] == ["t1", "t2", "t3", "t4"]
    t1 = records[0]
    assert t1["cited"][0]["paper_id"] == "h-2374743d5307"
    assert t1["answer_language"] == "zh"

    facts = {q.id: q.answer_facts for q in questions}
    summary = full_summary(records, facts, {"question_set": str(TINY), "mode": "full"})
    write_report(tmp_path, summary)
    overall = json.loads((tmp_path / "summary.json").read_text())["metrics"]["overall"]
    assert overall["recall@5"] == 1.0
    assert overall["citation_precision"] == 1.0
    assert overall["abstention_on_unanswerable"] == 1.0
    # t2's only source is a Chinese summary: the extractive fake stays Chinese after the retry.
    assert overall["language_match"] == 0.75
    assert summary["metrics"]["type=which-paper"]["language_match"] == 0.0
    assert "type=unanswerable" in summary["metrics"]
    assert "| Recall@5 |" in (tmp_path / "report.md").read_text()
    assert "<svg" in (tmp_path / "report.html").read_text()


def test_a_backend_error_is_recorded_and_the_question_runs_again_next_time(tmp_path, make_service):
    questions, _ = load_question_set(TINY)
    service, _ = make_service([ConnectionError("down")])
    [record] = run_eval(service, questions[:1], tmp_path)
    assert "chat backend failed" in record["error"]
    service, _ = make_service()
    [record] = run_eval(service, questions[:1], tmp_path)
    assert "error" not in record


def test_compare_lists_metric_deltas_and_changed_questions(tmp_path, make_service):
    questions, _ = load_question_set(TINY)
    facts = {q.id: q.answer_facts for q in questions}
    runs = {}
    for name, script in (("good", [extractive_reply]), ("bad", ["Bananas are yellow [1]."])):
        service, _ = make_service(script)
        out = tmp_path / name
        run_eval(service, questions, out)
        write_report(out, full_summary(read_outputs(out), facts, {"mode": "full"}))
        runs[name] = out
    result = compare_runs(runs["good"], runs["bad"])
    recall = next(r for r in result["metrics"] if r["metric"] == "Recall@5")
    assert recall["a"] == 1.0 and recall["delta"] is not None
    precision = next(r for r in result["metrics"] if r["metric"] == "False abstention")
    assert precision["delta"] > 0
    assert {e["id"] for e in result["right_to_wrong"]} >= {"t1", "t2"}
    assert result["wrong_to_right"] == []


def test_the_optional_judge_scores_claims_against_the_context(tmp_path, make_service):
    from assistant.evals.judge import FaithfulnessJudge

    questions, _ = load_question_set(TINY)
    service, _ = make_service()
    verdicts = ScriptedChatModel(script=["yes", "no"])
    judge = FaithfulnessJudge(load_settings(), verdicts)
    records = run_eval(service, questions[:1], tmp_path, judge=judge)
    claims = judge.claims(records[0]["answer"])
    assert claims and not records[0]["abstained"]
    # The first claim is judged supported, every later one not.
    assert records[0]["faithfulness"] == pytest.approx(1 / len(claims))
    assert "KV" in verdicts.prompts[0][0].content  # the judge saw the context
    claim_prompt = verdicts.prompts[0][0].content
    assert "Claim:" in claim_prompt and "[1]" not in claim_prompt.split("Claim:")[1]


def test_judging_is_off_by_default_and_a_half_configured_judge_is_an_error():
    from assistant.errors import ConfigError
    from assistant.llm import make_judge_model

    assert make_judge_model(load_settings()) is None
    settings = load_settings({"eval": {"judge_backend": "openai-compatible"}})
    with pytest.raises(ConfigError, match="judge_base_url"):
        make_judge_model(settings)


def test_list_metrics_count_gold_and_acceptable_papers() -> None:
    from assistant.evals.metrics import list_completeness, list_precision

    gold, acceptable = ["a", "b", "c", "d"], ["e"]
    named = ["a", "c", "e", "x"]
    assert list_completeness(named, gold) == 0.5
    assert list_precision(named, gold, acceptable) == 0.75
    assert list_precision([], gold) is None
