"""Kept conversations: the SQLite store (schema, users, concurrent writes), answers read
back from their JSON, the exports, feedback, and answering inside a conversation."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from assistant.answer.chain import AnswerService
from assistant.config import load_settings
from assistant.conversations.chats import Chats
from assistant.conversations.export import export_conversation
from assistant.conversations.feedback import feedback_entries
from assistant.conversations.restore import papers_of, result_from_dict
from assistant.conversations.schema import SCHEMA_VERSION
from assistant.conversations.store import ConversationStore
from assistant.errors import BusyError, ConfigError, ConversationError
from assistant.fakes import ScriptedChatModel, extractive_reply
from assistant.gate import ModelGate
from assistant.present.conversation import answer_with_references, plain_answer
from assistant.present.html import sources_html
from assistant.present.markdown import answer_markdown

RESULT = {"question": "q", "answer": "a [1].", "citations": [], "retrieved": [], "abstained": False}


@pytest.fixture
def store(tmp_path):
    return ConversationStore(tmp_path / "data" / "conversations.sqlite3")


@pytest.fixture
def service(sample_index):
    model = ScriptedChatModel(script=[extractive_reply])
    return AnswerService(load_settings(), sample_index.retriever, model, count_tokens=len), model


def test_a_new_file_has_the_schema_is_private_and_in_wal_mode(store):
    conversation_id, position = store.add_turn("local", None, "Which paper?", RESULT, {})
    assert position == 0
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.path.stat().st_mode & 0o077 == 0
    # Another store on the same file (another process) reads the committed turn.
    again = ConversationStore(store.path).get("local", conversation_id)
    assert again.title == "Which paper?" and again.turns[0].result == RESULT


def test_a_file_of_a_newer_version_is_refused_with_a_message(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ConfigError) as refused:
        ConversationStore(path).conversations("local")
    assert "newer version" in str(refused.value) and "paths.conversations" in str(refused.value)


def test_turns_follow_each_other_and_the_list_is_newest_first(store):
    first, _ = store.add_turn(
        "local", None, "  Which   paper\ncompresses the KV cache? " * 3, RESULT, {}
    )
    second, _ = store.add_turn("local", None, "Another question", RESULT, {})
    assert store.add_turn("local", first, "And its benchmark?", RESULT, {}) == (first, 1)
    listed = store.conversations("local")
    assert [c.id for c in listed] == [first, second]  # the follow-up made it the newest
    assert listed[0].turn_count == 2 and "\n" not in listed[0].title
    assert len(listed[0].title) <= 60 and listed[0].title.endswith("…")
    assert store.get("local", first).history() == [
        {"role": "user", "content": "  Which   paper\ncompresses the KV cache? " * 3},
        {"role": "assistant", "content": "a [1]."},
        {"role": "user", "content": "And its benchmark?"},
        {"role": "assistant", "content": "a [1]."},
    ]
    assert store.rename("local", first, "KV cache")
    assert store.get("local", first).title == "KV cache"
    assert store.delete("local", first) and store.get("local", first) is None
    assert [c.id for c in store.conversations("local")] == [second]


def test_one_users_conversations_are_invisible_to_another(store):
    alice, _ = store.add_turn("alice", None, "Alice's question", RESULT, {})
    assert store.conversations("bob") == [] and store.get("bob", alice) is None
    assert not store.rename("bob", alice, "mine now") and not store.delete("bob", alice)
    assert not store.set_feedback("bob", alice, 0, True)
    with pytest.raises(ConversationError):
        store.add_turn("bob", alice, "a follow-up in someone else's chat", RESULT, {})
    with pytest.raises(ConversationError):
        store.resolve("bob", alice[:4])
    assert store.get("alice", alice).turn_count == 1
    assert store.get("alice", alice).title == "Alice's question"


def test_ids_resolve_from_a_unique_start(store):
    made = {store.add_turn("local", None, f"q{n}", RESULT, {})[0] for n in range(20)}
    some = next(iter(made))
    assert store.resolve("local", some) == some
    assert store.resolve("local", some[:8]) == some
    with pytest.raises(ConversationError, match="conversations list"):
        store.resolve("local", "zzzz")


def test_several_chats_writing_at_once_lose_nothing(store):
    conversation_id, _ = store.add_turn("local", None, "shared", RESULT, {})
    errors: list[Exception] = []

    def chat(n: int) -> None:
        own = None
        try:
            for turn in range(8):
                # Each writer opens its own store, like separate processes would.
                writer = ConversationStore(store.path)
                writer.add_turn("local", conversation_id, f"w{n} t{turn}", RESULT, {})
                own, _ = writer.add_turn("local", own, f"own {n} {turn}", RESULT, {})
        except Exception as exc:  # pragma: no cover - what the test looks for
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    shared = store.get("local", conversation_id)
    assert [t.position for t in shared.turns] == list(range(1 + 6 * 8))
    assert len(store.conversations("local")) == 7
    assert all(c.turn_count in (8, 49) for c in store.conversations("local"))


@pytest.mark.parametrize(
    "question",
    [
        "How much memory does KVZip save?",
        "哪些论文研究了 KV cache 压缩？",
        "Compare KVZip and Speculative Decoding with Tiny Drafts",
        "What GPU did the survey authors use for pretraining?",
    ],
)
def test_a_stored_answer_reads_back_as_it_was_shown(service, question):
    answer_service, _ = service
    result = answer_service.answer(question)
    stored = json.loads(json.dumps([result.to_dict(), papers_of(result)], ensure_ascii=False))
    back = result_from_dict(*stored)
    assert back.to_dict() == result.to_dict()
    assert answer_markdown(back) == answer_markdown(result)
    assert sources_html(back.citations, back.related) == sources_html(
        result.citations, result.related
    )


def test_an_answer_with_its_references_reads_back_as_plain_text(service):
    answer_service, _ = service
    result = answer_service.answer("How much memory does KVZip save?")
    markdown = answer_with_references(result)
    assert "[\\[1\\]](https://arxiv.org/search/" in markdown
    assert "**References**\n\n1. KVZip" in markdown
    assert plain_answer(markdown) == result.answer


def test_exports_have_the_answers_with_links_and_a_reference_list(store, service):
    answer_service, _ = service
    chats = Chats(answer_service, store)
    first = chats.answer("How much memory does KVZip save?", user="local")
    chats.answer("Which paper drafts tokens with a tiny model?", user="local")
    chats.answer(
        "What speed-up does it reach?", user="local", conversation_id=first.conversation_id
    )
    conversation = store.get("local", first.conversation_id)
    markdown = export_conversation(conversation, "markdown")
    assert markdown.startswith("# How much memory does KVZip save?\n")
    assert "## 1. How much memory does KVZip save?" in markdown and "## 2. What speed" in markdown
    assert "[\\[1\\]](https://arxiv.org/search/?query=KVZip" in markdown
    assert "Sources:\n\n1. KVZip" in markdown
    references = markdown.split("## References", 1)[1]
    assert references.count("\n- ") == len(
        {c["paper_id"] for t in conversation.turns for c in t.result["citations"]}
    )
    data = json.loads(export_conversation(conversation, "json"))
    assert data["format"] == "digest-assistant.conversation/1" and len(data["turns"]) == 2
    assert data["turns"][1]["result"]["standalone_question"] != "What speed-up does it reach?"


def test_follow_ups_read_the_kept_history_and_feedback_is_exported(store, service):
    answer_service, model = service
    chats = Chats(answer_service, store)
    first = chats.answer("Which paper drafts tokens with a tiny model?", user="alice")
    follow = chats.answer(
        "What speed-up does it reach?", user="alice", conversation_id=first.conversation_id
    )
    assert (follow.conversation_id, follow.position) == (first.conversation_id, 1)
    condense = next(m for m in reversed(model.prompts) if "Last question" in m[-1].content)
    assert "tiny model" in condense[-1].content
    unsaved = chats.answer("How much memory does KVZip save?", user="alice", save=False)
    assert unsaved.conversation_id is None and len(store.conversations("alice")) == 1
    assert store.set_feedback("alice", first.conversation_id, 1, True)
    [entry] = feedback_entries(store)
    assert entry["liked"] is True and entry["question"] == "What speed-up does it reach?"
    assert entry["turn"] == 1 and entry["cited"] and entry["retrieved"]
    assert list(feedback_entries(store, "bob")) == []


def test_answers_wait_for_a_slot_and_say_so(store, service):
    answer_service, _ = service
    gate = ModelGate(1, wait_s=0.2)
    chats = Chats(answer_service, store, gate)
    gate.enter()  # another answer is running
    events = chats.stream("How much memory does KVZip save?", user="local")
    assert next(events).text == "queued"
    with pytest.raises(BusyError):
        next(events)
    gate.leave()
    kinds = [e.kind for e in chats.stream("How much memory does KVZip save?", user="local")]
    assert kinds[0] == "status" and kinds[-1] == "result"
    assert gate.try_enter()  # the slot was given back
