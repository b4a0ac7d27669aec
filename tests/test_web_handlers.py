"""The web chat's handlers with the fake backend: streaming, sources, errors, the kept
conversation, feedback."""

from __future__ import annotations

import copy
import json

import pytest

from assistant.answer.chain import AnswerService
from assistant.config import load_settings
from assistant.conversations.feedback import feedback_entries
from assistant.fakes import ScriptedChatModel, extractive_reply
from assistant.present.html import sources_html
from assistant.present.markdown import answer_markdown
from assistant.web.chat import MAX_QUESTION_CHARS, ChatHandlers


@pytest.fixture
def handlers(sample_index):
    """handlers(tmp_path, *replies, fail_after_tokens=) -> (ChatHandlers over the sample
    index with a scripted model, the model)."""

    def build(tmp_path, *script, fail_after_tokens=None):
        model = ScriptedChatModel(script=list(script) or [extractive_reply])
        if fail_after_tokens is not None:
            model.fail_after_tokens = fail_after_tokens
        retriever = sample_index.retriever
        service = AnswerService(load_settings(), retriever, model, count_tokens=len)
        return ChatHandlers(service, tmp_path / "conversations.sqlite3"), model

    return build


def run(h, message, chat=None, conversation=None, turn_of=None):
    # Gradio serialises each update as it comes; copy them so later ones don't rewrite them.
    return [copy.deepcopy(u) for u in h.respond(message, chat, conversation, turn_of, [])]


def test_an_answer_streams_then_shows_linked_citations_and_source_cards(tmp_path, handlers):
    h, _ = handlers(tmp_path, "KVZip 在 LongBench 上将内存降低 4 倍[1]。")
    updates = run(h, "KVZip 在 LongBench 上把内存降低了多少？")
    assert len(updates) > 3  # status, streamed tokens, final
    assert any(u[1][-1]["content"].endswith("▌") for u in updates)
    _, chat, sources, conversation, turn_of = updates[-1]
    answer = chat[-1]["content"]
    assert "[\\[1\\]](https://arxiv.org/search/?query=" in answer
    assert 'class="da-card"' in sources and "KVZip" in sources
    assert "No link in the digest · search on arXiv" in sources
    # The turn is kept, with its whole result, and the last message is that turn.
    [turn] = h.store.get("local", conversation).turns
    assert turn_of == {len(chat) - 1: turn.position}
    assert turn.answer == "KVZip 在 LongBench 上将内存降低 4 倍[1]。"
    assert turn.result["citations"][0]["title"] == "KVZip"


def test_follow_ups_carry_the_conversation(tmp_path, handlers):
    h, model = handlers(
        tmp_path,
        "KVZip evicts unimportant cache entries [1].",
        "Which benchmark did KVZip use?",
        "KVZip was evaluated on LongBench [1].",
    )
    _, chat, _, conversation, turn_of = run(h, "Which paper compresses the KV cache?")[-1]
    _, chat, _, same, _ = run(h, "Which benchmark did it use?", chat, conversation, turn_of)[-1]
    assert same == conversation and len(h.store.get("local", conversation).turns) == 2
    condense = model.prompts[1][0].content
    assert "KVZip evicts unimportant cache entries" in condense
    assert "LongBench" in chat[-1]["content"]


def test_empty_and_overlong_questions_are_handled(tmp_path, handlers):
    h, model = handlers(tmp_path)
    assert run(h, "   ")[-1][1] == []
    _, chat, _, conversation, _ = run(h, "x" * (MAX_QUESTION_CHARS + 1))[-1]
    assert "shorten it" in chat[-1]["content"] and conversation is None
    assert model.prompts == []


def test_a_backend_failure_mid_stream_shows_a_message_and_the_chat_goes_on(tmp_path, handlers):
    h, model = handlers(
        tmp_path, "KVZip reduces memory by 4x on LongBench [1].", fail_after_tokens=2
    )
    _, chat, _, conversation, turn_of = run(h, "How much memory does KVZip save?")[-1]
    assert chat[-1]["content"].startswith("⚠️ The chat backend failed")
    assert conversation is None  # nothing kept
    model.fail_after_tokens = None
    update = run(h, "How much memory does KVZip save?", chat, conversation, turn_of)[-1]
    _, chat, _, conversation, _ = update
    assert "4x" in chat[-1]["content"] and len(h.store.get("local", conversation).turns) == 1


def test_html_from_papers_and_from_the_model_is_escaped(tmp_path, handlers):
    h, _ = handlers(tmp_path, "<script>alert('x')</script> KVZip reduces memory by 4x [1].")
    _, chat, sources, _, _ = run(h, "<b>How much</b> memory does KVZip save?")[-1]
    assert "<script>" not in chat[-1]["content"] and "&lt;script&gt;" in chat[-1]["content"]
    assert "<b>" not in chat[-2]["content"]
    assert "<script>" not in sources


def test_new_chat_clears_everything(tmp_path, handlers):
    h, _ = handlers(tmp_path)
    text, chat, sources, conversation, turn_of = h.new_chat()
    assert (text, chat, conversation, turn_of) == ("", [], None, {})
    assert "Sources of the answer appear here" in sources


def test_feedback_is_kept_with_the_turn_it_rates_and_exported_as_jsonl(tmp_path, handlers):
    h, _ = handlers(tmp_path, "KVZip reduces memory by 4x on LongBench [1].")
    _, chat, _, conversation, turn_of = run(h, "How much memory does KVZip save?")[-1]
    assert h.record_feedback(len(chat) - 1, False, conversation, turn_of).startswith("Thanks")
    assert h.record_feedback(0, True, conversation, turn_of) == (
        "Feedback is recorded for answers only."
    )
    [turn] = h.store.get("local", conversation).turns
    assert turn.feedback is False
    [entry] = [json.loads(json.dumps(e)) for e in feedback_entries(h.store)]
    assert entry["liked"] is False and entry["question"] == "How much memory does KVZip save?"
    assert entry["cited"] and entry["retrieved"] and entry["conversation_id"] == conversation


def test_abstention_lists_related_papers_without_citations(tmp_path, handlers):
    h, _ = handlers(tmp_path, "The sources do not contain the answer.")
    _, chat, sources, _, _ = run(h, "What GPU did KVZip train on?")[-1]
    assert chat[-1]["content"].startswith("The digest has KVZip, but its entry does not give")
    assert "Closest papers in the digest" in chat[-1]["content"]
    assert "Related papers" in sources


def test_markdown_rendering_keeps_unknown_markers_plain():
    from assistant.answer.result import AnswerResult

    result = AnswerResult(question="q", standalone_question="q", language="en", answer="x [3]")
    assert answer_markdown(result) == "x \\[3\\]"
    assert "appear here" in sources_html([])
