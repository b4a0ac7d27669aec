"""The command line: papers list/show/stats, config show, and error exits."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.cli import main
from tests.conftest import TEST_DATA


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return exited.value.code, out, err


def test_stats_json_reports_the_bundled_figures(capsys):
    code, out, _ = run_cli(capsys, "papers", "stats", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["papers"] == 867
    assert data["arxiv_links"] == 63
    assert data["other_links"] == 1
    assert data["without_link"] == 803
    assert len(data["categories"]) == 7


def test_list_filters_by_category_and_prints_json(capsys):
    code, out, _ = run_cli(capsys, "papers", "list", "--category", "模型架构", "--json")
    assert code == 0
    papers = json.loads(out)
    assert len(papers) == 74
    assert {p["category"] for p in papers} == {"模型架构"}
    assert all(p["url"] is None and p["text_start"] for p in papers)


def test_show_accepts_an_arxiv_url_and_prints_both_languages(capsys):
    code, out, _ = run_cli(capsys, "papers", "show", "https://arxiv.org/abs/2502.05171v1")
    assert code == 0
    assert "Scaling up Test-Time Compute" in out
    assert "利用隐式推理扩大测试时间计算" in out


def test_unknown_id_exits_2_with_a_hint(capsys):
    code, _, err = run_cli(capsys, "papers", "show", "h-000000000000")
    assert code == 2
    assert "No paper with id" in err and "assistant papers list" in err


def test_strict_on_a_bad_file_exits_2_naming_file_and_line(capsys):
    code, _, err = run_cli(
        capsys, "papers", "stats", "--strict", "--digest", str(TEST_DATA / "bad_missing_link_a.md")
    )
    assert code == 2
    assert "bad_missing_link_a.md:6" in err


def test_config_show_masks_secrets(capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-top-secret")
    code, out, _ = run_cli(capsys, "--set", "retrieval.k=9", "config", "show", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["retrieval"]["k"] == 9
    assert "sk-top-secret" not in out


def test_user_error_has_no_traceback_in_a_real_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--set", "web.port=notaport", "config", "show"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "web.port" in result.stderr
