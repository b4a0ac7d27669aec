"""Bad digest input: every problem names the file and line, good entries are still read."""

from __future__ import annotations

import shutil

import pytest

from assistant.digest import load_digests, read_digest_file
from assistant.errors import DigestError
from tests.conftest import TEST_DATA


def issues_of(name: str):
    papers, issues, fmt = read_digest_file(TEST_DATA / name)
    return papers, issues, fmt


def test_sample_files_parse_cleanly():
    papers_a, issues_a, fmt_a = issues_of("sample_a.md")
    assert fmt_a == "A"
    assert papers_a[0].paper_id == "2501.00001"
    # The second entry's link is not a URL: kept, without a link, with a warning on its line.
    assert papers_a[1].link is None and papers_a[1].search_url
    assert len(issues_a) == 1 and "not a web URL" in issues_a[0].message
    assert issues_a[0].line == 7

    papers_b, issues_b, fmt_b = issues_of("sample_b.txt")
    assert fmt_b == "B" and issues_b == []
    kvzip = papers_b[0]
    assert kvzip.display_name == "KVZip" and kvzip.name_source == "method"
    assert kvzip.tldr == "Compress the KV cache by 4x with no loss."
    assert kvzip.tags == ["speculative decoding", "KV cache"]
    assert kvzip.category == "效率与压缩" and kvzip.subcategory == "推理加速"
    assert kvzip.sections["experiments"].startswith("在 LongBench 上")
    assert kvzip.abstract.endswith("less than 0.5% accuracy loss.")
    # No method name in the second paper: a short name cut from its abstract, marked derived.
    quantization = papers_b[1]
    assert quantization.name_source in ("phrase", "abstract") and quantization.name_is_derived
    assert (
        quantization.display_name.startswith("Quantization")
        and len(quantization.display_name) <= 60
    )


def test_empty_file_is_an_error_naming_the_file():
    papers, issues, fmt = issues_of("empty.txt")
    assert papers == [] and fmt is None
    assert issues[0].level == "error" and issues[0].line == 1
    assert "empty.txt" in str(issues[0]) and "empty" in issues[0].message


def test_unknown_format_says_what_was_expected():
    papers, issues, _ = issues_of("unknown_format.txt")
    assert papers == []
    message = str(issues[0])
    assert "unknown_format.txt:1" in message
    assert "format A" in message and "format B" in message


def test_non_utf8_lines_are_reported_and_good_entries_still_read(tmp_path):
    raw = (TEST_DATA / "sample_b.txt").read_bytes()
    broken = raw.replace("长上下文推理时".encode(), b"\xff\xfe bad \xc3")
    path = tmp_path / "latin.txt"
    path.write_bytes(broken)
    papers, issues, fmt = read_digest_file(path)
    assert fmt == "B" and len(papers) == 2
    utf8 = [i for i in issues if "UTF-8" in i.message]
    assert len(utf8) == 1 and utf8[0].line == 6 and "latin.txt" in utf8[0].file


def test_truncated_entry_is_reported_with_its_line():
    papers, issues, _ = issues_of("bad_truncated_b.txt")
    assert [p.display_name for p in papers] == ["LinFormer-X"]
    errors = [i for i in issues if i.level == "error"]
    assert len(errors) == 1 and errors[0].line == 13 and "truncated" in errors[0].message
    counts = [i for i in issues if "announces" in i.message]
    assert counts and counts[0].line == 1


def test_missing_abstract_and_field_are_warnings_on_the_entry_line():
    papers, issues, _ = issues_of("bad_missing_abstract_b.txt")
    assert len(papers) == 1 and papers[0].abstract is None
    assert papers[0].display_name == "SSM-Plus"
    messages = {i.message.split(" ")[2] for i in issues}
    assert all(i.line == 2 and i.level == "warning" for i in issues)
    assert any("no English abstract" in i.message for i in issues)
    assert any("🔍 现象分析" in i.message for i in issues), messages


def test_missing_link_line_keeps_the_paper_without_a_link():
    papers, issues, _ = issues_of("bad_missing_link_a.md")
    assert [p.link for p in papers] == ["https://arxiv.org/abs/2502.00002", None]
    assert papers[1].summary_zh == "这篇论文没有链接行，只有摘要。"
    assert len(issues) == 1 and issues[0].line == 6 and "[Chinese title](link)" in issues[0].message


def test_strict_turns_warnings_into_a_failure_naming_file_and_line(tmp_path):
    shutil.copy(TEST_DATA / "bad_missing_link_a.md", tmp_path / "a.md")
    with pytest.raises(DigestError) as caught:
        load_digests([tmp_path], strict=True)
    assert "a.md:6" in str(caught.value)
    assert "--strict" in str(caught.value)
    # Without strict, the same folder loads with both papers.
    assert len(load_digests([tmp_path]).papers) == 2


def test_a_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(DigestError) as caught:
        load_digests([tmp_path / "nope.txt"])
    assert "nope.txt" in str(caught.value)
