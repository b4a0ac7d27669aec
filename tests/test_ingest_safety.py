"""Bad input never costs stored papers: empty, unreadable, unknown or mis-encoded files,
truncated copies, and a rebuild that fails half way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.fakes import FakeEmbeddings, ScriptedChatModel, extractive_reply
from assistant.index.ingest import Namer
from assistant.index.store import IndexStore
from tests.index_support import (
    PAPERS_B,
    index_settings,
    run_ingest,
    write_digests,
)

PAPERS = 7  # five in digest_b.txt, two in digest_a.md


@pytest.fixture
def indexed(tmp_path):
    """An index of both sample digests, and the CLI arguments that reach it."""
    settings = index_settings(tmp_path)
    digests = write_digests(tmp_path / "digests")
    # As the CLI does: the fake chat model is asked to name the paper its text does not name.
    namer = Namer(lambda: ScriptedChatModel(script=[extractive_reply]), "{text}")
    assert run_ingest(settings, digests, namer=namer).papers == PAPERS
    args = [
        "--set", "embedder.backend=fake",
        "--set", "llm.backend=fake",
        "--set", f"paths.vectorstore={tmp_path / 'vectorstore'}",
        "--set", "retrieval.dense_weight=0.5",
    ]  # fmt: skip
    return settings, digests, args


def stored_ids(settings) -> set[str]:
    with IndexStore.open(settings) as store:
        return {p.paper_id for p in store.papers()}


def ingest_cli(capsys, args, *paths) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main([*args, "ingest", "--quiet", *map(str, paths)])
    out, err = capsys.readouterr()
    return exited.value.code, out, err


@pytest.mark.parametrize(
    "content",
    [b"", b"   \n\n", b"just some notes, no digest here\n"],
    ids=["empty", "blank", "unknown-format"],
)
def test_a_file_with_an_error_removes_nothing_and_the_command_fails(indexed, capsys, content):
    settings, digests, args = indexed
    before = stored_ids(settings)
    digests[0].write_bytes(content)
    code, _, err = ingest_cli(capsys, args, *digests)
    assert code == 2
    assert "nothing of theirs was removed" in err
    assert "kept 5 paper(s)" in err and "the file had an error" in err
    assert stored_ids(settings) == before


def test_an_unreadable_file_removes_nothing(indexed, capsys, monkeypatch):
    settings, digests, args = indexed
    before = stored_ids(settings)
    real = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == digests[0].name:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code, _, err = ingest_cli(capsys, args, *digests)
    assert code == 2 and "cannot read the file" in err
    assert stored_ids(settings) == before


def test_a_digest_re_saved_as_gb18030_is_read_as_such(indexed, capsys):
    settings, digests, args = indexed
    before = stored_ids(settings)
    text = digests[0].read_text(encoding="utf-8")
    digests[0].write_bytes(text.encode("gb18030"))
    code, out, err = ingest_cli(capsys, args, *digests)
    assert code == 0, err
    assert "GB18030" in err and "up to date" in out  # the same papers, nothing garbled
    assert stored_ids(settings) == before


def test_bytes_in_no_recognisable_encoding_are_refused(indexed, capsys):
    settings, digests, args = indexed
    before = stored_ids(settings)
    digests[0].write_bytes(os.urandom(4000))
    code, _, err = ingest_cli(capsys, args, *digests)
    assert code == 2 and "could not be recognised" in err
    assert stored_ids(settings) == before


def test_losing_more_than_half_of_a_file_needs_prune(indexed, capsys):
    settings, digests, args = indexed
    before = stored_ids(settings)
    write_digests(digests[0].parent, papers_b=PAPERS_B[:2])  # a truncated copy: 3 of 5 gone
    code, _, err = ingest_cli(capsys, args, *digests)
    assert code == 0
    assert "kept 3 paper(s)" in err and "--prune" in err
    assert stored_ids(settings) == before
    code, out, _ = ingest_cli(capsys, [*args], "--prune", *digests)
    assert code == 0 and "removed 3" in out
    assert len(stored_ids(settings)) == PAPERS - 3


def test_losing_a_few_papers_needs_no_prune(indexed, capsys):
    settings, digests, args = indexed
    write_digests(digests[0].parent, papers_b=PAPERS_B[:4])  # 1 of 5 gone
    code, out, _ = ingest_cli(capsys, args, *digests)
    assert code == 0 and "removed 1" in out
    assert len(stored_ids(settings)) == PAPERS - 1


class FailAfter(FakeEmbeddings):
    """An embedder that fails after `batches` batches, like a crash half way."""

    def __init__(self, batches: int) -> None:
        super().__init__()
        self.left = batches

    def embed_documents(self, texts):
        if self.left == 0:
            raise RuntimeError("the embedder died")
        self.left -= 1
        return super().embed_documents(texts)


def test_a_rebuild_that_fails_half_way_leaves_the_old_index_whole(indexed):
    settings, digests, _ = indexed
    before = stored_ids(settings)
    with IndexStore.open(settings) as store:
        chunks = store.chunk_count()
    every = index_settings(settings.paths.vectorstore.parent, index={"dense_scope": "all"})
    with pytest.raises(RuntimeError, match="died"):
        run_ingest(every, digests, FailAfter(1), rebuild=True, batch_chunks=4)
    assert stored_ids(settings) == before
    with IndexStore.open(settings) as store:
        assert store.chunk_count() == chunks
        names = {c.name for c in store._client.list_collections()}
    assert not any("rebuild" in name for name in names)  # nothing half built is left


def test_a_completed_rebuild_takes_the_old_index_place(indexed):
    settings, digests, _ = indexed
    every = index_settings(settings.paths.vectorstore.parent, index={"dense_scope": "all"})
    report = run_ingest(every, digests, rebuild=True)
    assert report.rebuilt and report.chunks_embedded == report.chunks
    with IndexStore.open(every) as store:
        embedded, lexical = store.chunk_ids_by_kind()
        assert len(embedded) == report.chunks and not lexical
        assert len(store.papers()) == PAPERS
        names = sorted(c.name for c in store._client.list_collections())
    assert names == ["digest", "digest-papers", "digest-text"]


def test_the_report_of_a_guarded_run_is_plain_json_data(indexed):
    settings, digests, _ = indexed
    write_digests(digests[0].parent, papers_b=PAPERS_B[:1])
    report = run_ingest(settings, digests)
    assert report.kept_papers == 4 and report.papers_removed == 0
    assert json.dumps([k.__dict__ for k in report.kept])
