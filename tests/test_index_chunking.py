"""Chunking: sentence boundaries in both languages, token bounds, stable ids, field groups."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.config import load_settings
from assistant.digest import load_digests
from assistant.index.chunking import (
    FIELD_GROUP_ORDER,
    SECTION_ORDER,
    ChunkingParams,
    chunk_paper,
    field_parts,
)
from assistant.text.sentences import pack_sentences
from assistant.tokens import TokenCounter
from tests.conftest import BUNDLED


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    return TokenCounter(load_settings(env_file=None).paths.models)


@pytest.fixture(scope="module")
def bundled_papers():
    return load_digests([BUNDLED]).papers


def test_packing_respects_the_bound_and_makes_even_parts(counter):
    sentences = [f"This is sentence number {i} of a long English abstract." for i in range(40)]
    parts = pack_sentences(sentences, 120, counter.count, counter.truncate)
    sizes = [counter.count(p) for p in parts]
    assert len(parts) >= 2
    assert max(sizes) <= 120
    assert min(sizes) >= max(sizes) // 2  # no stub at the end
    assert " ".join(parts).split() == " ".join(sentences).split()  # nothing lost


def test_a_sentence_longer_than_the_bound_is_cut_on_tokens(counter):
    long_sentence = "模型" * 500 + "。"
    parts = pack_sentences([long_sentence], 100, counter.count, counter.truncate)
    assert len(parts) > 1
    assert all(counter.count(p) <= 100 for p in parts)
    assert "".join(parts) == long_sentence
    assert not any("\ufffd" in p for p in parts)


@pytest.mark.parametrize("max_tokens", [128, 256, 400])
def test_every_chunk_of_the_bundled_digest_is_within_the_bound(counter, bundled_papers, max_tokens):
    params = ChunkingParams(max_tokens=max_tokens, zh_fields_per_chunk=3)
    for paper in bundled_papers[::7]:
        for chunk in chunk_paper(paper, params, counter):
            assert counter.count(chunk.embed_text) <= max_tokens + 1, chunk.chunk_id
            assert chunk.text.strip()


def test_chunks_cover_every_section_with_the_right_language(counter, bundled_papers):
    untitled = next(p for p in bundled_papers if p.abstract and p.tldr)
    params = ChunkingParams(max_tokens=400, zh_fields_per_chunk=2, dense="all")
    chunks = chunk_paper(untitled, params, counter)
    sections = [c.section for c in chunks]
    assert sections == ["tldr", "problem", "motivation", "experiments", "abstract"]
    assert {c.language for c in chunks if c.section in ("tldr", "abstract")} == {"en"}
    assert {c.language for c in chunks if c.section in ("problem", "motivation")} == {"zh"}
    fields = [key for c in chunks[1:4] for key, _ in field_parts(c.section, c.text)]
    assert fields == list(FIELD_GROUP_ORDER)  # problem and method first
    assert sorted(fields, key=SECTION_ORDER.index) == list(untitled.sections)
    titled = next(p for p in bundled_papers if p.summary_zh)
    chunks = chunk_paper(titled, ChunkingParams(), counter)
    assert {c.section for c in chunks} == {"summary"}
    assert titled.title_en in chunks[0].context and titled.title_zh in chunks[0].context


def test_core_mode_embeds_what_a_paper_is_about_and_leaves_the_rest_to_bm25(
    counter, bundled_papers
):
    untitled = next(p for p in bundled_papers if p.abstract and p.tldr)
    chunks = chunk_paper(untitled, ChunkingParams(dense="core"), counter)
    assert [c.section for c in chunks if c.embedded] == ["problem"]
    assert all(c.embedded for c in chunk_paper(untitled, ChunkingParams(dense="all"), counter))
    titled = max((p for p in bundled_papers if p.summary_zh), key=lambda p: len(p.summary_zh))
    chunks = chunk_paper(titled, ChunkingParams(max_tokens=200, dense="core"), counter)
    assert len(chunks) > 1 and [c.part for c in chunks if c.embedded] == [0]
    every = chunk_paper(titled, ChunkingParams(max_tokens=200, dense="all"), counter)
    assert [c.chunk_id for c in chunks] == [c.chunk_id for c in every]  # ids do not depend
    assert ChunkingParams(dense="core").describe() == ChunkingParams(dense="all").describe()


def test_ids_are_stable_and_follow_the_content(counter, bundled_papers):
    paper = next(p for p in bundled_papers if p.abstract)
    params = ChunkingParams()
    first = [c.chunk_id for c in chunk_paper(paper, params, counter)]
    again = [c.chunk_id for c in chunk_paper(dataclasses.replace(paper), params, counter)]
    assert first == again
    assert len(set(first)) == len(first)
    assert all(cid.startswith(paper.paper_id + ":") for cid in first)
    edited = dataclasses.replace(paper, abstract=paper.abstract + " One more sentence.")
    changed = [c.chunk_id for c in chunk_paper(edited, params, counter)]
    assert changed[:-1] == first[:-1]  # only the abstract chunk changed
    assert changed[-1] != first[-1]


def test_fields_per_chunk_groups_the_six_chinese_fields(counter, bundled_papers):
    paper = next(p for p in bundled_papers if len(p.sections) == 6)
    counts = {}
    for group in (1, 2, 3, 6):
        params = ChunkingParams(max_tokens=512, zh_fields_per_chunk=group)
        chunks = chunk_paper(paper, params, counter)
        zh = [c for c in chunks if c.section in FIELD_GROUP_ORDER]
        counts[group] = len(zh)
        restored = [text for c in zh for _, text in field_parts(c.section, c.text)]
        assert restored == [paper.sections[k].strip() for k in FIELD_GROUP_ORDER]
    assert counts == {1: 6, 2: 3, 3: 2, 6: 1}


def test_tags_go_to_the_lexical_text_only(counter, bundled_papers):
    paper = next(p for p in bundled_papers if p.tags)
    chunk = chunk_paper(paper, ChunkingParams(), counter)[0]
    assert paper.tags[0] in chunk.lexical_text
    assert paper.tags[0] not in chunk.context
