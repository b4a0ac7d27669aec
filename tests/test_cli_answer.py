"""`assistant ask`, `assistant eval run|compare` end to end on a real (temporary) index
with the fake embedder and the fake chat backend."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from tests.conftest import TEST_DATA

SAMPLES = [str(TEST_DATA / "sample_a.md"), str(TEST_DATA / "sample_b.txt")]


@pytest.fixture()
def fake_args(tmp_path, capsys):
    args = [
        "--set",
        "embedder.backend=fake",
        "--set",
        "llm.backend=fake",
        "--set",
        f"paths.vectorstore={tmp_path / 'index'}",
    ]
    with pytest.raises(SystemExit) as exited:
        main([*args, "ingest", "--quiet", *SAMPLES])
    assert exited.value.code == 0
    capsys.readouterr()
    return args


def run(capsys, *args):
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return exited.value.code, out, err


def test_ask_json_has_the_result_object_with_search_style_refs(fake_args, capsys):
    code, out, _ = run(capsys, *fake_args, "ask", "How much memory does KVZip save?", "--json")
    assert code == 0
    result = json.loads(out)
    assert {"answer", "citations", "retrieved", "removed_citations", "flags", "timings"} <= set(
        result
    )
    first = result["retrieved"][0]
    assert first["paper_id"] == "h-2374743d5307"
    assert {"paper_id", "url", "title", "text_start", "score", "snippet"} <= set(first)
    # The fake model cites source [1], KVZip, and the citation has the search-style ref.
    assert not result["abstained"]
    assert [c["paper_id"] for c in result["cited"]] == ["h-2374743d5307"]
    assert set(result["cited"][0]) == {"paper_id", "url", "title", "text_start"}


def test_ask_prints_the_answer_and_numbered_sources(fake_args, capsys):
    args = [*fake_args, "--set", "llm.backend=fake"]
    code, out, _ = run(capsys, *args, "ask", "KVZip 在 LongBench 上把内存降低了多少？")
    assert code == 0
    answer, sources = out.split("\n\n", 1)
    assert "[1]。" in answer and "KVZip" in answer
    # The fake model quotes a sentence without the asked figure: the answer says so.
    assert answer.endswith("摘要库没有给出所问的数字。")
    assert sources.startswith("[1] KVZip (name from the text)\n")
    assert "search on arXiv: https://arxiv.org/search/" in sources


def test_ask_with_a_bad_history_file_exits_2(fake_args, capsys, tmp_path):
    history = tmp_path / "history.json"
    history.write_text('{"role": "user"}', encoding="utf-8")
    code, _, err = run(capsys, *fake_args, "ask", "q?", "--history", str(history))
    assert code == 2 and "history.json" in err


def test_ask_without_an_index_says_how_to_build_it(capsys, tmp_path):
    code, _, err = run(
        capsys,
        "--set",
        "embedder.backend=fake",
        "--set",
        "llm.backend=fake",
        "--set",
        f"paths.vectorstore={tmp_path / 'none'}",
        "ask",
        "anything?",
    )
    assert code == 2 and "assistant ingest" in err


def test_eval_run_retrieval_only_then_compare(fake_args, capsys, tmp_path):
    tiny = str(TEST_DATA / "evals" / "tiny.jsonl")
    code, out, err = run(
        capsys, *fake_args, "eval", "run", tiny, "--out", str(tmp_path / "a"), "--retrieval-only"
    )
    assert code == 0, err
    assert "tiny.jsonl:4" in err  # the bad line is reported with file:line
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["metrics"]["overall"]["questions"] == 4
    assert summary["run"]["mode"] == "retrieval-only"
    outputs = (tmp_path / "a" / "outputs.jsonl").read_text().splitlines()
    assert len(outputs) == 4

    code, out, _ = run(
        capsys, *fake_args, "eval", "run", tiny, "--out", str(tmp_path / "b"), "--limit", "2"
    )
    assert code == 0
    assert len((tmp_path / "b" / "outputs.jsonl").read_text().splitlines()) == 2

    code, out, _ = run(capsys, "eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 0 and "| Recall@5 |" in out and "Right → wrong" in out
