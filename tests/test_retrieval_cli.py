"""`assistant ingest` then `assistant search` from the command line, fake embedder."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from tests.index_support import write_digests


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        fakes = ["--set", "embedder.backend=fake", "--set", "llm.backend=fake"]
        main([*fakes, "--set", "paths.vectorstore=vs", *args])
    out, err = capsys.readouterr()
    return exited.value.code, out, err


def test_ingest_then_search_json(tmp_path, capsys):
    b_file, a_file = write_digests(tmp_path / "digests")
    code, out, _ = run_cli(capsys, "ingest", "--quiet", str(b_file), str(a_file))
    assert code == 0
    assert "7 papers" in out and "embedded" in out

    code, out, _ = run_cli(capsys, "ingest", "--quiet", str(b_file), str(a_file))
    assert code == 0 and "up to date" in out

    code, out, _ = run_cli(capsys, "search", "推测解码 草稿模型", "-k", "3", "--json")
    assert code == 0
    results = json.loads(out)
    assert len(results) == 3
    first = results[0]
    assert first["paper_id"] == "2501.00001"
    assert first["url"] == "https://arxiv.org/abs/2501.00001"
    assert first["title"] == "Speculative Decoding with Tiny Drafts"
    assert first["text_start"].startswith("我们提出 TinyDraft")
    assert first["snippet"] and isinstance(first["score"], float)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    untitled = next(r for r in results if r["paper_id"].startswith("h-"))
    assert untitled["url"] is None  # no link in the digest: null, never the search link


def test_search_text_output_and_category_filter(tmp_path, capsys):
    write_digests(tmp_path / "digests")
    assert run_cli(capsys, "ingest", "--quiet", str(tmp_path / "digests"))[0] == 0
    code, out, err = run_cli(capsys, "search", "KV cache", "--category", "效率与压缩")
    assert code == 0
    assert out.startswith("1. KVZip (name from the text)")
    assert "search on arXiv: https://arxiv.org/search/" in out
    assert "GuardSpace" not in out
    code, out, err = run_cli(capsys, "search", "KV cache", "--category", "nope")
    assert "Unknown category nope" in err and "No matching papers." in out


def test_search_without_an_index_tells_how_to_build_it(capsys):
    code, _, err = run_cli(capsys, "search", "anything")
    assert code == 2
    assert "assistant ingest" in err and "Traceback" not in err


def test_rebuild_after_a_settings_change(tmp_path, capsys):
    write_digests(tmp_path / "digests")
    digests = str(tmp_path / "digests")
    assert run_cli(capsys, "ingest", "--quiet", digests)[0] == 0
    code, _, err = run_cli(capsys, "--set", "index.chunk_tokens=200", "search", "KV")
    assert code == 2 and "assistant ingest --rebuild" in err
    code, out, _ = run_cli(
        capsys, "--set", "index.chunk_tokens=200", "ingest", "--rebuild", digests
    )
    assert code == 0 and out.startswith("Rebuilt the index")
