"""The lexical side: bilingual tokens, BM25 ranking, and the BM25 view saved next to the index."""

from __future__ import annotations

import pytest

from assistant.fakes import FakeEmbeddings
from assistant.index.lexical import LexicalIndex, LexicalParams, tokenize
from assistant.index.store import IndexStore
from assistant.retrieval.lexical_view import LexicalView
from tests.index_support import (
    PAPERS_B,
    index_settings,
    ingest_into,
    open_test_retriever,
    write_digests,
)


def test_chinese_is_cut_in_search_mode_and_english_lower_cased():
    tokens = tokenize("大语言模型的安全对齐 Fine-Tuning of LLMs", LexicalParams())
    assert {"语言", "模型", "安全", "对齐"} <= set(tokens)
    assert "的" not in tokens  # a stop word
    assert {"fine", "tuning", "finetuning", "llms"} <= set(tokens)
    assert "of" not in tokens


def test_stemming_is_an_option():
    plain = tokenize("reasoning models", LexicalParams(stem=False))
    stemmed = tokenize("reasoning models", LexicalParams(stem=True))
    assert plain == ["reasoning", "models"] and stemmed == ["reason", "model"]


def test_bm25_ranks_by_term_weight_and_masks(tmp_path):
    docs = [["kv", "cache", "compression"], ["quantization", "reasoning"], ["kv", "reasoning"]]
    index = LexicalIndex(docs)
    top = index.top(["kv", "cache"], 3)
    assert [i for i, _ in top] == [0, 2]
    assert index.top(["kv"], 3, mask=[False, True, True])[0][0] == 2
    assert index.top(["unknown"], 3) == []
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    assert loaded.top(["kv", "cache"], 3) == top
    assert LexicalIndex([]).top(["kv"], 3) == []


@pytest.fixture
def built(tmp_path):
    settings = index_settings(tmp_path)
    digests = write_digests(tmp_path / "digests")
    with IndexStore.open(settings) as store:
        ingest_into(store, settings, digests)
    return settings, digests


def test_the_bm25_view_is_saved_and_reused_until_the_index_changes(built, monkeypatch):
    settings, digests = built
    retriever = open_test_retriever(settings, FakeEmbeddings())
    cache = retriever.store.lexical_cache
    first = retriever.search("KV 缓存", k=1)
    retriever.store.close()
    assert (cache / "revision").is_file()

    def no_rebuild(*args, **kwargs):
        raise AssertionError("rebuilt although the index did not change")

    with monkeypatch.context() as patch:
        patch.setattr(LexicalView, "build", classmethod(no_rebuild))
        retriever = open_test_retriever(settings, FakeEmbeddings())
        assert retriever.search("KV 缓存", k=1)[0].paper.paper_id == first[0].paper.paper_id
        retriever.store.close()

    write_digests(digests[0].parent, papers_b=PAPERS_B[:2])
    with IndexStore.open(settings) as store:
        assert ingest_into(store, settings, digests, prune=True).changed
    retriever = open_test_retriever(settings, FakeEmbeddings())
    names = {h.paper.display_name for h in retriever.search("智能体 网页 搜索", k=7)}
    retriever.store.close()
    assert "WebPilot" not in names


def test_a_damaged_cache_is_rebuilt(built):
    settings, _ = built
    retriever = open_test_retriever(settings, FakeEmbeddings())
    cache = retriever.store.lexical_cache
    retriever.store.close()
    (cache / "chunks.json").write_text("{not json")
    retriever = open_test_retriever(settings, FakeEmbeddings())
    assert retriever.search("GuardSpace", k=1)[0].paper.display_name == "GuardSpace"
    retriever.store.close()


def test_a_retriever_open_during_an_ingest_in_the_same_process_sees_the_result(built):
    settings, digests = built
    retriever = open_test_retriever(settings, FakeEmbeddings())
    assert retriever.search("ShortCoT 思维链", k=1)[0].paper.display_name == "ShortCoT"
    write_digests(digests[0].parent, papers_b=PAPERS_B[:4])
    ingest_into(retriever.store, settings, digests)
    names = {h.paper.display_name for h in retriever.search("ShortCoT 思维链", k=7)}
    assert "ShortCoT" not in names
    retriever.store.close()
