"""The parser on the bundled digest: the counts the files hold and whole records."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.digest import load_digests
from tests.conftest import BUNDLED, TEST_DATA


@pytest.fixture(scope="module")
def bundled():
    return load_digests([BUNDLED])


def test_counts_match_the_files(bundled):
    papers = bundled.papers
    assert len(papers) == 867
    assert bundled.issues == []
    per_file = Counter(Path(p.sources[0].file).name for p in papers)
    assert per_file == {
        "000_b8bdcf87fa04d332.txt": 32,
        "002_39aab4cd44dad1ff.txt": 19,
        "003_d6f7dbb651b571c6.txt": 13,
        "004_a3708f861c8db2d6.txt": 803,
    }
    assert sum(p.link_kind == "arxiv" for p in papers) == 63
    assert sum(p.link_kind == "other" for p in papers) == 1
    assert sum(p.link is None for p in papers) == 803
    categories = Counter(p.category for p in papers if p.category)
    assert categories == {
        "指令微调与对齐": 186,
        "推理与思维链": 169,
        "效率与压缩": 131,
        "Agent 与工具使用": 100,
        "多模态基础模型": 74,
        "模型架构": 74,
        "LLM 预训练": 69,
    }
    assert bundled.files and set(bundled.files.values()) == {"A", "B"}


def test_ids_are_unique_and_arxiv_ids_are_used(bundled):
    ids = [p.paper_id for p in bundled.papers]
    assert len(set(ids)) == len(ids)
    assert all(p.paper_id == p.arxiv_id for p in bundled.papers if p.arxiv_id)
    assert all(p.paper_id.startswith("h-") for p in bundled.papers if not p.arxiv_id)


def test_unlinked_papers_get_a_marked_search_url_never_a_link(bundled):
    for paper in bundled.papers:
        if paper.link is None:
            assert paper.search_url.startswith("https://arxiv.org/search/?query=")
            assert paper.url is None
        else:
            assert paper.search_url is None


@pytest.mark.parametrize(
    "golden", sorted((TEST_DATA / "golden").glob("*.json")), ids=lambda p: p.stem
)
def test_full_records_field_by_field(bundled, golden):
    expected = json.loads(golden.read_text(encoding="utf-8"))
    paper = bundled.get(expected["paper_id"])
    assert paper is not None
    actual = paper.to_dict()
    for source in actual["sources"]:
        source["file"] = Path(source["file"]).name
    for field, value in expected.items():
        assert actual[field] == value, field


def test_ids_do_not_change_when_files_move_or_reorder(tmp_path, bundled):
    text = (BUNDLED / "004_a3708f861c8db2d6.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    # Swap the first two papers of the first category (lines 2-14 and 15-29 hold them).
    first_end = next(i for i in range(2, len(lines)) if lines[i].startswith("基础/前沿模型"))
    second_end = next(
        i for i in range(first_end + 1, len(lines)) if lines[i].startswith("基础/前沿模型")
    )
    swapped = lines[:1] + lines[first_end:second_end] + lines[1:first_end] + lines[second_end:]
    moved = tmp_path / "elsewhere" / "renamed.md"
    moved.parent.mkdir()
    moved.write_text("\n".join(swapped), encoding="utf-8")
    reread = load_digests([moved])
    assert {p.paper_id for p in reread.papers} == {
        p.paper_id for p in bundled.papers if p.sources[0].format == "B"
    }


def test_duplicate_papers_become_one_record_with_both_sources(tmp_path):
    original = BUNDLED / "003_d6f7dbb651b571c6.txt"
    copy = tmp_path / "copy.txt"
    copy.write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    load = load_digests([original, copy])
    assert len(load.papers) == 13
    assert all(len(p.sources) == 2 for p in load.papers)


def test_derived_names_prefer_the_method_name(bundled):
    names = {p.display_name for p in bundled.papers if p.name_source == "method"}
    assert {"GuardSpace", "FedTDP", "AceReason-Nemotron-1.1"} <= names
    derived = [p for p in bundled.papers if p.name_source != "title"]
    assert derived and all(p.name_is_derived for p in derived)
    # Papers the text does not name carry the name the model wrote (names.json), checked.
    assert sum(p.name_source == "model" for p in bundled.papers) > 150
