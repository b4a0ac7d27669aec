"""The web chat in a real browser: Playwright driving Debian's chromium, fake backend.

Skipped only when chromium is not installed (`make test` installs it).
"""

from __future__ import annotations

import re
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.answer.chain import AnswerService
from assistant.config import load_settings
from assistant.fakes import FakeEmbeddings, ScriptedChatModel, extractive_reply
from assistant.retrieval import SearchFilters
from assistant.summarize import Summarizer
from assistant.web.app import build_app, launch_options
from tests.answer_doubles import RecordingSearch

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reply(messages):
    if "trigger a failure" in str(messages[-1].content):
        raise ConnectionError("the fake backend went away")
    return extractive_reply(messages)


@pytest.fixture(scope="module")
def app_url(sample_index, tmp_path_factory):
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (make test installs it)")
    # The fake embedder's similarities are small: BM25 is the evidence of relevance.
    summary = {"min_similarity": 0.99, "min_lexical": 1.0, "relative_score": 0.2}
    kept = tmp_path_factory.mktemp("browser-conversations") / "conversations.sqlite3"
    settings = load_settings(
        {"web": {"port": free_port()}, "summary": summary, "paths": {"conversations": str(kept)}}
    )
    retriever = RecordingSearch(sample_index.retriever)
    model = ScriptedChatModel(script=[reply])
    service = AnswerService(settings, retriever, model, count_tokens=len)
    summarizer = Summarizer(settings, retriever, model, FakeEmbeddings(), count_tokens=len)
    app = build_app(
        settings,
        service,
        categories=["效率与压缩", "模型架构"],
        backend_label="backend: fake",
        make_filters=lambda categories: SearchFilters(categories=list(categories)),
        summarizer=summarizer,
    )
    app.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings))
    yield f"http://127.0.0.1:{settings.web.port}", retriever, model
    app.close()


@contextmanager
def browser_page(url: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1300, "height": 950})
        page.goto(url)
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()


@pytest.fixture()
def page(app_url):
    with browser_page(app_url[0]) as opened:
        yield opened


def ask(page, question: str, answers_before: int) -> str:
    page.fill("#question textarea", question)
    page.click("#ask")
    bot = page.locator("#chat .bot")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .bot').length > n", arg=answers_before
    )
    # Done when the last answer is final: cited, abstained or an error, and not streaming.
    page.wait_for_function(
        """() => { const b = [...document.querySelectorAll('#chat .bot')].pop();
                   if (!b) return false;
                   const t = b.innerText;
                   const final = /\\[\\d+\\]|⚠️|does not contain|资料中没有/;
                   return !t.includes('▌') && final.test(t); }"""
    )
    return bot.last.inner_text()


def test_chat_in_a_real_browser(page, app_url):
    _, retriever, model = app_url
    assert "backend: fake" in page.inner_text("#backend")

    answer = ask(page, "KVZip 在 LongBench 上把内存降低了多少？", 0)
    assert "[1]" in answer
    card = page.locator("#sources .da-card").first
    assert "KVZip" in card.inner_text()
    link = card.locator("a.da-link")
    assert link.get_attribute("href").startswith("https://arxiv.org/search/?query=")
    assert "search on arXiv" in link.inner_text()
    # The marker in the answer is a link to the same paper.
    marker = page.locator("#chat .bot a", has_text="[1]").last
    assert marker.get_attribute("href") == link.get_attribute("href")

    # "New chat" forgets the conversation: the next question is not read as a follow-up.
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chat .bot').length === 0")

    answer = ask(page, "Which paper drafts tokens with a tiny model for speculative decoding?", 0)
    assert "[1]" in answer
    assert "Speculative Decoding with Tiny Drafts" in page.inner_text("#sources")
    assert page.locator("#sources a.da-link").first.get_attribute("href") == (
        "https://arxiv.org/abs/2501.00001v2"
    )

    ask(page, "What speed-up does it reach?", 1)
    # The follow-up was condensed with the conversation before retrieval.
    condense = next(m for m in reversed(model.prompts) if "Last question" in m[-1].content)
    assert "tiny model for speculative decoding" in condense[-1].content

    page.click("#category input")
    page.get_by_role("option", name="效率与压缩").click()
    page.keyboard.press("Escape")
    ask(page, "How much memory does KVZip save?", 2)
    assert retriever.filters[-1] == SearchFilters(categories=["效率与压缩"])

    answer = ask(page, "Please trigger a failure now", 3)
    assert "backend failed" in answer
    answer = ask(page, "How much memory does KVZip save?", 4)
    assert "[1]" in answer  # the app is still usable after the failure

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-chat.png"), full_page=True)


def test_a_reload_keeps_the_chat_and_the_side_list_reopens_it(page):
    title = "How much memory does KVZip save on LongBench?"
    answer = ask(page, title, 0)
    assert "[1]" in answer
    shown = page.inner_text("#sources")
    assert "KVZip" in shown
    page.locator("#conversations label", has_text=title).wait_for()

    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_function(
        "() => document.querySelectorAll('#chat .bot').length === 1"
        " && document.querySelector('#chat .bot').innerText.includes('[1]')"
    )
    assert page.inner_text("#chat .bot") == answer
    assert page.inner_text("#sources") == shown
    assert page.locator("#conversations input:checked").count() == 1
    assert title in page.locator("#conversations label:has(input:checked)").inner_text()

    # A new chat (kept as the open one over a reload), then the side list opens the kept
    # one again, with its sources.
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chat .bot').length === 0")
    page.wait_for_function("() => !document.querySelector('#conversations input:checked')")
    page.reload()
    page.locator("#conversations label", has_text=title).wait_for()
    page.wait_for_timeout(500)  # the restore has run by now (the list comes after it)
    assert page.locator("#chat .bot").count() == 0
    page.locator("#conversations label", has_text=title).click()
    page.wait_for_function("() => document.querySelectorAll('#chat .bot').length === 1")
    assert page.inner_text("#sources") == shown

    with page.expect_download() as download:
        page.click("#export-md")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith(f"# {title}") and "## References" in markdown

    page.fill("#conversation-title textarea, #conversation-title input", "KVZip cache")
    page.click("#rename-chat")
    page.locator("#conversations label", has_text="KVZip cache").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-conversations.png"), full_page=True)

    page.click("#delete-chat")  # asks first: keeping it changes nothing
    page.click("#keep-chat")
    page.locator("#confirm-delete").wait_for(state="hidden")
    page.locator("#conversations label", has_text="KVZip cache").wait_for()
    page.click("#delete-chat")
    page.click("#confirm-delete")
    page.wait_for_function("() => document.querySelectorAll('#chat .bot').length === 0")
    page.locator("#conversations label", has_text="KVZip cache").wait_for(state="detached")


def test_topic_summary_tab(page):
    page.get_by_role("tab", name="Topic summary").click()
    page.fill("#summary-topic textarea", "KV cache compression and speculative decoding")
    page.click("#summarize")
    page.wait_for_function(
        "() => document.querySelector('#summary-status').innerText.includes('✅')"
    )
    report = page.inner_text("#summary-report")
    assert "References" in report and "KVZip" in report
    links = page.locator("#summary-report a")
    assert links.count() >= 2
    assert page.locator("#summary-download").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-summary.png"), full_page=True)


@pytest.fixture(scope="module")
def bundled_app_url(bundled_index, tmp_path_factory):
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (make test installs it)")
    kept = tmp_path_factory.mktemp("browser-lists") / "conversations.sqlite3"
    settings = load_settings({"web": {"port": free_port()}, "paths": {"conversations": str(kept)}})
    model = ScriptedChatModel(script=["unused"])  # list lines are the papers' own sentences
    service = AnswerService(settings, bundled_index.retriever, model, count_tokens=len)
    app = build_app(settings, service, categories=[], backend_label="backend: fake")
    app.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings))
    yield f"http://127.0.0.1:{settings.web.port}"
    app.close()


def test_a_list_answer_shows_names_links_and_every_paper_in_the_sources(bundled_app_url):
    with browser_page(bundled_app_url) as page:
        answer = ask(page, "Which papers in the digest report experiments on miniF2F?", 0)
        lines = [line for line in answer.splitlines() if re.match(r"^.+ \[\d+\][:：]", line)]
        assert len(lines) == 4, answer  # the four papers whose text names miniF2F
        cards = page.locator("#sources .da-card")
        assert cards.count() == len(lines)
        for n, line in enumerate(lines, start=1):
            name = line.split(f" [{n}]", 1)[0].lstrip("•-* ")
            assert name and name in cards.nth(n - 1).inner_text()
            marker = page.locator("#chat .bot a", has_text=f"[{n}]").first
            link = cards.nth(n - 1).locator("a.da-link").first
            assert marker.get_attribute("href") == link.get_attribute("href")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web-list.png"), full_page=True)
