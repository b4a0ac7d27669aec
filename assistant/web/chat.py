"""The chat's event handlers, as plain Python: testable without a browser or a server.

Gradio calls these with the values of its components and shows what they yield.
The conversation kept for follow-up questions is the plain answers (`turns`), not the
rendered Markdown in the chat window.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.answer.result import AnswerResult
from assistant.errors import AssistantError
from assistant.present.html import sources_html
from assistant.present.markdown import answer_markdown, escape_markdown
from assistant.text.links import strip_urls

MAX_QUESTION_CHARS = 2000
MODEL_GROUP = "model"  # the concurrency group of every listener that runs the chat model
STATUS_TEXT = {
    "retrieving": "⏳ Searching the digest…",
    "writing": "✍️ Writing the answer…",
    "listing": "📚 Listing the papers on this…",
    "comparing": "⚖️ Comparing the papers…",
    "reset": "↻ Rewriting the answer in the question's language…",
}

# (textbox, chat messages, sources panel, turns, results by message index)
Update = tuple[str, list[dict[str, Any]], str, list[dict[str, str]], dict[int, dict]]


class ChatHandlers:
    """Answer questions for the web chat and record feedback."""

    def __init__(self, service: Any, feedback_path: Path, make_filters: Any = None) -> None:
        self.service = service
        self.feedback_path = Path(feedback_path)
        self.make_filters = make_filters or (lambda categories: None)
        self._feedback_lock = threading.Lock()

    def respond(
        self,
        message: str,
        chat: list[dict[str, Any]] | None,
        turns: list[dict[str, str]] | None,
        results: dict[int, dict] | None,
        categories: list[str] | None = None,
    ) -> Iterator[Update]:
        """Stream one answer into the chat; errors become a message, the chat stays usable."""
        chat = list(chat or [])
        turns = list(turns or [])
        results = dict(results or {})
        question = (message or "").strip()
        if not question:
            yield "", chat, sources_html([]), turns, results
            return
        if len(question) > MAX_QUESTION_CHARS:
            chat.append({"role": "user", "content": escape_markdown(question[:200] + "…")})
            chat.append(
                {
                    "role": "assistant",
                    "content": f"⚠️ The question is {len(question)} characters long; please "
                    f"shorten it to under {MAX_QUESTION_CHARS} characters.",
                }
            )
            yield "", chat, sources_html([]), turns, results
            return

        chat.append({"role": "user", "content": escape_markdown(question)})
        chat.append({"role": "assistant", "content": STATUS_TEXT["retrieving"]})
        yield "", chat, sources_html([]), turns, results

        streamed = ""
        result: AnswerResult | None = None
        try:
            filters = self.make_filters(categories or [])
            for event in self.service.stream(question, history=turns, filters=filters):
                if event.kind == "status":
                    chat[-1]["content"] = STATUS_TEXT.get(event.text, event.text)
                elif event.kind == "reset":
                    streamed = ""
                    chat[-1]["content"] = STATUS_TEXT["reset"]
                elif event.kind == "token":
                    streamed += event.text
                    # Links the model wrote never show, even before the check removes them.
                    shown = escape_markdown(strip_urls(streamed)[0])
                    chat[-1]["content"] = shown + " ▌"
                elif event.kind == "result":
                    result = event.result
                    continue
                else:
                    continue
                yield "", chat, sources_html([]), turns, results
        except AssistantError as exc:
            chat[-1]["content"] = f"⚠️ {escape_markdown(str(exc))}"
            yield "", chat, sources_html([]), turns, results
            return
        except Exception as exc:  # never let a failure take the chat down
            chat[-1]["content"] = (
                f"⚠️ Something went wrong while answering ({escape_markdown(type(exc).__name__)}: "
                f"{escape_markdown(str(exc))}). Please try again."
            )
            yield "", chat, sources_html([]), turns, results
            return
        if result is None:
            chat[-1]["content"] = "⚠️ The answer ended without a result. Please try again."
            yield "", chat, sources_html([]), turns, results
            return

        chat[-1]["content"] = answer_markdown(result)
        turns += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": result.answer},
        ]
        results[len(chat) - 1] = result.to_dict()
        yield "", chat, sources_html(result.citations, result.related), turns, results

    def new_chat(self) -> Update:
        """Forget the conversation."""
        return "", [], sources_html([]), [], {}

    def record_feedback(self, index: Any, liked: Any, results: dict[int, dict] | None) -> str:
        """Append a thumbs up/down on an answer to the feedback JSONL file."""
        position = index[0] if isinstance(index, (list, tuple)) else index
        result = (results or {}).get(position) or (results or {}).get(str(position))
        if result is None:
            return "Feedback is recorded for answers only."
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "liked": bool(liked) if isinstance(liked, bool) else str(liked).lower() == "like",
            "question": result["question"],
            "answer": result["answer"],
            "cited": [c["paper_id"] for c in result["citations"]],
            "retrieved": [r["paper_id"] for r in result["retrieved"]],
            "abstained": result["abstained"],
        }
        with self._feedback_lock:
            self.feedback_path.parent.mkdir(parents=True, exist_ok=True)
            with self.feedback_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return "Thanks, your feedback was saved."
