"""`assistant chat` keeps its conversations; `chat --resume`, `conversations
list|show|export|rename|delete` and `feedback export` on a real index with the fakes."""

from __future__ import annotations

import io
import json

import pytest

from assistant.cli import main
from assistant.conversations.store import ConversationStore
from tests.conftest import TEST_DATA

SAMPLES = [str(TEST_DATA / "sample_a.md"), str(TEST_DATA / "sample_b.txt")]


@pytest.fixture()
def args(tmp_path, capsys):
    args = [
        "--set", "embedder.backend=fake",
        "--set", "llm.backend=fake",
        "--set", f"paths.vectorstore={tmp_path / 'index'}",
        "--set", f"paths.conversations={tmp_path / 'conversations.sqlite3'}",
    ]  # fmt: skip
    with pytest.raises(SystemExit) as exited:
        main([*args, "ingest", "--quiet", *SAMPLES])
    assert exited.value.code == 0
    capsys.readouterr()
    return args


def run(capsys, *args, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return exited.value.code, out, err


def test_a_terminal_chat_is_kept_and_can_be_resumed(args, capsys, monkeypatch, tmp_path):
    question = "Which paper drafts tokens with a tiny model for speculative decoding?"
    code, out, _ = run(capsys, *args, "chat", stdin=f"{question}\n/quit\n", monkeypatch=monkeypatch)
    assert code == 0 and "Kept as conversation" in out
    [listed] = json.loads(run(capsys, *args, "conversations", "list", "--json")[1])
    assert question.startswith(listed["title"][:-1]) and listed["turn_count"] == 1

    code, out, _ = run(
        capsys,
        *args, "chat", "--resume", listed["id"][:6],
        stdin="What speed-up does it reach?\n/quit\n",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0
    assert f"> {question}" in out  # the earlier turn is shown again
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    conversation = store.get("local", listed["id"])
    assert [t.question for t in conversation.turns] == [question, "What speed-up does it reach?"]
    assert "tiny model" in conversation.turns[1].result["standalone_question"]

    code, _, err = run(capsys, *args, "chat", "--resume", "nope")
    assert code == 2 and "conversations list" in err


def test_show_export_rename_delete_and_feedback(args, capsys, monkeypatch, tmp_path):
    run(
        capsys,
        *args,
        "chat",
        stdin="How much memory does KVZip save?\n/quit\n",
        monkeypatch=monkeypatch,
    )
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    [conversation] = store.conversations("local")
    cid = conversation.id

    code, out, _ = run(capsys, *args, "conversations", "show", cid)
    assert code == 0 and "> How much memory does KVZip save?" in out and "[1] KVZip" in out
    shown = json.loads(run(capsys, *args, "conversations", "show", cid, "--json")[1])
    assert shown["turns"][0]["result"]["citations"][0]["title"] == "KVZip"

    out_file = tmp_path / "export" / "chat.md"
    code, _, _ = run(capsys, *args, "conversations", "export", cid, "--out", str(out_file))
    markdown = out_file.read_text(encoding="utf-8")
    assert code == 0 and markdown.startswith("# How much memory does KVZip save?")
    assert (
        "[\\[1\\]](https://arxiv.org/search/?query=KVZip" in markdown
        and "## References" in markdown
    )
    exported = json.loads(run(capsys, *args, "conversations", "export", cid, "--format", "json")[1])
    assert exported == shown

    run(capsys, *args, "conversations", "rename", cid[:5], "KVZip memory")
    assert store.get("local", cid).title == "KVZip memory"
    assert run(capsys, *args, "conversations", "list", "--user", "alice")[1].startswith(
        "No conversations"
    )

    store.set_feedback("local", cid, 0, False)
    code, out, _ = run(capsys, *args, "feedback", "export")
    [entry] = [json.loads(line) for line in out.splitlines()]
    assert entry["liked"] is False and entry["question"] == "How much memory does KVZip save?"
    assert entry["cited"] == ["h-2374743d5307"] and entry["conversation_id"] == cid

    code, out, _ = run(capsys, *args, "conversations", "delete", cid, "--json")
    assert json.loads(out) == {"id": cid, "deleted": True}
    assert store.conversations("local") == []
    assert run(capsys, *args, "feedback", "export")[1] == ""
