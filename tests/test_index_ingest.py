"""Ingest with the real Chroma on a temp folder and the fake embedder: idempotent, incremental,
deleting what disappeared, refusing an index built differently, and resumable."""

from __future__ import annotations

import copy
import sys

import pytest

from assistant.errors import IndexStateError
from assistant.fakes import FakeEmbeddings
from assistant.index.store import IndexStore
from tests.index_support import (
    PAPERS_A,
    PAPERS_B,
    index_settings,
    open_test_retriever,
    run_ingest,
    write_digests,
)


@pytest.fixture
def digests(tmp_path):
    return write_digests(tmp_path / "digests")


def test_first_ingest_indexes_everything_and_a_second_embeds_nothing(tmp_path, digests):
    settings = index_settings(tmp_path)
    emb = FakeEmbeddings()
    first = run_ingest(settings, digests, emb)
    assert first.papers == 7
    assert first.chunks_added == first.chunks > 7
    assert sum(emb.calls) == first.chunks_embedded == 7  # one core chunk per paper

    emb.calls.clear()
    second = run_ingest(settings, digests, emb)
    assert emb.calls == []
    assert (second.chunks_embedded, second.chunks_deleted, second.papers_updated) == (0, 0, 0)
    assert not second.changed

    with IndexStore.open(settings) as store:
        assert store.chunk_count() == first.chunks
        assert len(store.papers()) == 7
        identity = store.identity()
    assert identity.dimension == emb.dimension
    assert identity.embedder == "fake/default"


def test_the_embedder_is_not_even_made_when_nothing_changed(tmp_path, digests):
    settings = index_settings(tmp_path)
    run_ingest(settings, digests, FakeEmbeddings())

    def no_model():
        raise AssertionError("the embedder was made for a no-op ingest")

    assert not run_ingest(settings, digests, no_model).changed


def test_a_changed_paper_is_re_embedded_alone(tmp_path, digests):
    settings = index_settings(tmp_path)
    run_ingest(settings, digests, FakeEmbeddings())
    edited = copy.deepcopy(PAPERS_B)
    edited[2]["fields"][4] += "代码已开源。"  # the experiments field; the id stays (abstract)
    write_digests(tmp_path / "digests", papers_b=edited)

    emb = FakeEmbeddings()
    report = run_ingest(settings, digests, emb)
    assert report.chunks_added == 1 and emb.calls == []  # a BM25-only chunk changed
    assert report.chunks_deleted == 1
    assert report.papers_updated == 1
    with IndexStore.open(settings) as store:
        texts = [c.text for c in store.chunks_of("h-41a9035ee1bd")]
        assert sum("代码已开源" in t for t in texts) == 1
        assert sum("3.6%" in t for t in texts) == 2  # the new field chunk and the abstract


def test_papers_that_left_a_file_are_deleted_with_their_chunks(tmp_path, digests):
    settings = index_settings(tmp_path)
    run_ingest(settings, digests, FakeEmbeddings())
    write_digests(tmp_path / "digests", papers_b=PAPERS_B[:3], papers_a=PAPERS_A[:1])

    report = run_ingest(settings, digests, FakeEmbeddings())
    assert report.papers_removed == 3
    assert report.chunks_embedded == 0
    with IndexStore.open(settings) as store:
        ids = {p.paper_id for p in store.papers()}
        assert "2501.00002" not in ids and "h-35efb4066476" not in ids
        assert len(ids) == 4
        assert not store.chunks_of("h-35efb4066476")
        assert all(not cid.startswith("2501.00002:") for cid in store.chunk_ids())


def test_ingesting_one_file_leaves_the_papers_of_other_files_alone(tmp_path, digests):
    settings = index_settings(tmp_path)
    b_file = digests[0]
    run_ingest(settings, digests, FakeEmbeddings())
    write_digests(tmp_path / "digests", papers_b=PAPERS_B[:2])

    report = run_ingest(settings, [b_file], FakeEmbeddings(), prune=True)
    assert report.papers_removed == 3  # from digest_b.txt only
    with IndexStore.open(settings) as store:
        ids = {p.paper_id for p in store.papers()}
    assert {"2501.00001", "2501.00002"} <= ids


def test_a_moved_file_updates_metadata_without_re_embedding(tmp_path, digests):
    settings = index_settings(tmp_path)
    run_ingest(settings, digests, FakeEmbeddings())
    moved = write_digests(tmp_path / "elsewhere")
    emb = FakeEmbeddings()
    report = run_ingest(settings, moved, emb)
    assert emb.calls == []
    assert report.papers_removed == 0  # the old files were not part of this run
    with IndexStore.open(settings) as store:
        paper = store.papers(["2501.00001"])[0]
        files = {s.file for s in paper.sources}
        assert str(moved[1].resolve()) in files and str(digests[1].resolve()) in files
        meta = store.chunk_metadatas(store.chunk_ids())
    assert all(
        str(moved[0].resolve()) in m["source_files"] for m in meta.values() if "category" in m
    )


def test_an_index_built_differently_is_refused_with_the_rebuild_command(tmp_path, digests):
    run_ingest(index_settings(tmp_path), digests, FakeEmbeddings())
    other = index_settings(tmp_path, index={"chunk_tokens": 200})
    with pytest.raises(IndexStateError) as raised:
        open_test_retriever(other, FakeEmbeddings())
    assert "assistant ingest --rebuild" in str(raised.value)
    assert "chunking" in str(raised.value)
    with pytest.raises(IndexStateError, match="--rebuild"):
        run_ingest(other, digests, FakeEmbeddings())

    report = run_ingest(other, digests, FakeEmbeddings(), rebuild=True)
    assert report.rebuilt and report.chunks_added == report.chunks
    open_test_retriever(other, FakeEmbeddings()).store.close()


def test_the_search_breadth_is_set_on_new_and_existing_indexes_without_a_rebuild(tmp_path, digests):
    def ef_search(settings) -> int:
        with IndexStore.open(settings) as store:
            store.exists()
            return store._chunk_collection().configuration["hnsw"]["ef_search"]

    run_ingest(index_settings(tmp_path, index={"ef_search": 120}), digests, FakeEmbeddings())
    assert ef_search(index_settings(tmp_path, index={"ef_search": 120})) == 120
    wider = index_settings(tmp_path, index={"ef_search": 500})
    assert ef_search(wider) == 500  # an existing index takes the setting when opened
    retriever = open_test_retriever(wider, FakeEmbeddings())
    assert retriever.search("KV cache compression", k=1)  # and still searches
    retriever.store.close()
    assert run_ingest(wider, digests, FakeEmbeddings()).chunks_added == 0  # no rebuild


def test_another_embedder_or_dimension_is_refused(tmp_path, digests):
    settings = index_settings(tmp_path)
    run_ingest(settings, digests, FakeEmbeddings(dimension=256))
    with pytest.raises(IndexStateError, match="embedder"):
        open_test_retriever(
            index_settings(tmp_path, embedder={"backend": "local"}), FakeEmbeddings()
        )
    retriever = open_test_retriever(settings, FakeEmbeddings(dimension=64))
    with pytest.raises(IndexStateError, match="64-dimensional"):
        retriever.search("KV cache")
    retriever.store.close()


def test_no_index_yet_says_to_run_ingest(tmp_path):
    with pytest.raises(IndexStateError, match="assistant ingest"):
        open_test_retriever(index_settings(tmp_path), FakeEmbeddings())


class InterruptAfter(FakeEmbeddings):
    """Embeds `batches` batches, then acts as if the user pressed Ctrl-C."""

    def __init__(self, batches: int) -> None:
        super().__init__()
        self.left = batches

    def embed_documents(self, texts):
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return super().embed_documents(texts)


def test_an_interrupted_ingest_leaves_a_usable_index_and_resumes(tmp_path, digests):
    settings = index_settings(tmp_path, index={"dense_scope": "all"})
    with pytest.raises(KeyboardInterrupt):
        run_ingest(settings, digests, InterruptAfter(2), batch_chunks=4)

    retriever = open_test_retriever(settings, FakeEmbeddings())
    partial = retriever.papers()
    assert 0 < len(partial) < 7
    assert retriever.search("KV cache compression")  # usable as it is
    retriever.store.close()

    emb = FakeEmbeddings()
    report = run_ingest(settings, digests, emb)
    assert 0 < report.chunks_added < report.chunks  # only what was missing
    again = run_ingest(settings, digests, FakeEmbeddings())
    assert not again.changed
    with IndexStore.open(settings) as store:
        assert len(store.papers()) == 7
        assert store.chunk_count() == report.chunks


def test_core_mode_embeds_a_few_chunks_and_keeps_every_chunk_searchable(tmp_path, digests):
    settings = index_settings(tmp_path, index={"dense_scope": "core"})
    emb = FakeEmbeddings()
    report = run_ingest(settings, digests, emb)
    assert report.chunks_embedded == sum(emb.calls) < report.chunks
    assert report.chunks_added == report.chunks
    retriever = open_test_retriever(settings, FakeEmbeddings())
    candidates = retriever.candidates("LongBench 0.5% accuracy loss training-free")
    assert {c.section for c, _ in candidates.dense} <= {"summary", "problem"}
    assert "abstract" in {c.section for c, _ in candidates.lexical}  # BM25 sees everything
    hits = retriever.search("LongBench 0.5% accuracy loss training-free", k=1)
    assert hits[0].paper.display_name == "KVZip" and hits[0].dense_similarity > 0
    assert [c.section for c in retriever.chunks_of(hits[0].paper.paper_id)][-1] == "abstract"
    retriever.store.close()

    write_digests(tmp_path / "digests", papers_b=PAPERS_B[1:])
    again = run_ingest(settings, digests, FakeEmbeddings())
    assert again.papers_removed == 1
    with IndexStore.open(settings) as store:
        assert not store.chunks_of(hits[0].paper.paper_id)  # gone from both collections
        assert store.chunk_count() == report.chunks - again.chunks_deleted


def test_changing_the_dense_scope_moves_chunks_without_a_rebuild(tmp_path, digests):
    core = index_settings(tmp_path, index={"dense_scope": "core"})
    first = run_ingest(core, digests, FakeEmbeddings())
    every = index_settings(tmp_path, index={"dense_scope": "all"})
    emb = FakeEmbeddings()
    upgrade = run_ingest(every, digests, emb)
    assert sum(emb.calls) == upgrade.chunks_embedded == first.chunks - first.chunks_embedded
    with IndexStore.open(every) as store:
        embedded, lexical = store.chunk_ids_by_kind()
        assert len(embedded) == first.chunks and not lexical
    emb = FakeEmbeddings()
    back = run_ingest(core, digests, emb)
    assert emb.calls == [] and back.chunks_embedded == 0
    with IndexStore.open(core) as store:
        embedded, lexical = store.chunk_ids_by_kind()
        assert len(embedded) == first.chunks_embedded
        assert len(lexical) == first.chunks - first.chunks_embedded
    assert not run_ingest(core, digests, FakeEmbeddings()).changed
    retriever = open_test_retriever(core, FakeEmbeddings())
    assert retriever.search("KV cache", k=1)[0].paper.display_name == "KVZip"
    retriever.store.close()


def test_unchanged_papers_are_not_even_chunked_once_the_index_is_settled(
    tmp_path, digests, monkeypatch
):
    settings = index_settings(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_ingest(settings, digests, InterruptAfter(1), batch_chunks=2)
    module = sys.modules["assistant.index.plan"]
    chunked = []
    real_chunk_paper = module.chunk_paper

    def counting(paper, *args):
        chunked.append(paper.paper_id)
        return real_chunk_paper(paper, *args)

    monkeypatch.setattr(module, "chunk_paper", counting)
    run_ingest(settings, digests, FakeEmbeddings())  # after an interruption: checks everything
    assert len(chunked) == 7
    chunked.clear()
    report = run_ingest(settings, digests, FakeEmbeddings())
    assert chunked == [] and report.chunks > 7 and not report.changed
    edited = copy.deepcopy(PAPERS_B)
    edited[0]["fields"][0] += "另见附录。"
    write_digests(tmp_path / "digests", papers_b=edited)
    report = run_ingest(settings, digests, FakeEmbeddings())
    assert chunked == ["h-2374743d5307"] and report.chunks_added == 1
