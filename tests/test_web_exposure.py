"""The web app exposes only what it means to, keeps secrets out of files and messages, and
stops work nobody waits for."""

from __future__ import annotations

import copy
import sys
import time

import pytest

from assistant.cli import main
from assistant.config import describe_settings, load_settings, public_url
from assistant.fakes import ScriptedChatModel
from assistant.index.lock import LOCK_NAME, acquire_folder_lock
from assistant.web.app import build_app, launch_options
from assistant.web.summary_tab import SummaryHandlers


class NoAnswers:
    def stream(self, *args, **kwargs):
        return iter(())


class SlowSummaries:
    """Reports one note per tenth of a second, like a summary on the model."""

    def __init__(self) -> None:
        self.notes = 0

    def summarize(self, topic, *, progress, **kwargs):
        for done in range(50):
            progress("notes", done, 50)
            self.notes += 1
            time.sleep(0.1)
        raise AssertionError("the summary ran to its end although nobody waited for it")


def test_only_asking_and_summarising_are_api_endpoints_and_they_share_one_group() -> None:
    settings = load_settings({"web": {"concurrency": 2}}, env_file=None)
    app = build_app(settings, NoAnswers(), summarizer=SlowSummaries())  # touches no file
    assert sorted(app.get_api_info()["named_endpoints"]) == ["/ask", "/summarize"]
    model_fns = [fn for fn in app.fns.values() if fn.api_name in ("ask", "summarize")]
    assert len(model_fns) == 2  # one listener per action
    assert {fn.concurrency_id for fn in model_fns} == {"model"}
    assert {fn.concurrency_limit for fn in model_fns} == {2}
    assert all(fn.time_limit == settings.web.time_limit_s for fn in model_fns)
    ours = (
        "new_chat",
        "on_like",
        "open_chat",
        "reopen",
        "show_panel",
        "rename_chat",
        "delete_chat",
    )
    internal = [fn for fn in app.fns.values() if fn.fn.__name__ in ours]
    assert {fn.fn.__name__ for fn in internal} == set(ours)
    assert all(fn.api_visibility == "private" for fn in internal)
    assert app.analytics_enabled is False


def test_an_abandoned_summary_stops_its_work() -> None:
    summaries = SlowSummaries()
    handlers = SummaryHandlers(summaries, lambda categories: None)
    updates = handlers.run("KV cache", [], 3, "auto")
    next(updates)  # the first progress line reached the page...
    updates.close()  # ...then the page went away
    handlers.workers[-1].join(timeout=5)
    assert not handlers.workers[-1].is_alive()
    assert summaries.notes < 5


def test_logins_are_secret_in_settings_lock_files_and_messages(tmp_path, monkeypatch) -> None:
    settings = load_settings(
        {"web": {"auth": ["alice:s3cret-pass"]}, "llm": {"base_url": "http://bob:hunter2@h/v1"}},
        env_file=None,
    )
    shown = str(describe_settings(settings))
    assert "s3cret-pass" not in shown and "hunter2" not in shown and "bob:****@h" in shown
    assert launch_options(settings)["auth"] == [("alice", "s3cret-pass")]  # given to Gradio only
    assert public_url("https://u:p@example.org/v1") == "https://u:****@example.org/v1"
    monkeypatch.setattr(sys, "argv", ["assistant", "serve", "--auth", "alice:s3cret-pass"])
    lock = acquire_folder_lock(tmp_path)
    try:
        written = (tmp_path / LOCK_NAME).read_text()
    finally:
        lock.release()
    assert "s3cret-pass" not in written and "assistant serve" in written
    assert (tmp_path / LOCK_NAME).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("args", [["--share"], ["--host", "0.0.0.0"]])
def test_exposing_the_chat_without_a_login_is_refused(args, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--set", "llm.backend=fake", "--set", "embedder.backend=fake", "serve", *args])
    _, err = capsys.readouterr()
    assert exited.value.code == 2
    assert "without a login" in err and "--no-login" in err


def test_streamed_text_never_shows_a_link_the_model_wrote(tmp_path, sample_index) -> None:
    from assistant.answer.chain import AnswerService
    from assistant.web.chat import ChatHandlers

    model = ScriptedChatModel(script=["See https://evil.example.com/x for KVZip [1]."])
    service = AnswerService(load_settings(), sample_index.retriever, model, count_tokens=len)
    handlers = ChatHandlers(service, tmp_path / "conversations.sqlite3")
    updates = [copy.deepcopy(u) for u in handlers.respond("KVZip memory?", [], None, {}, [])]
    assert len(updates) > 3
    assert all("evil.example.com" not in u[1][-1]["content"] for u in updates)
