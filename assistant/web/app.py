"""The Gradio Blocks of the web chat, built by a function: nothing starts at import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from assistant.config import Settings
from assistant.present.html import CSS, sources_html
from assistant.present.markdown import escape_markdown
from assistant.web.chat import MODEL_GROUP, ChatHandlers
from assistant.web.summary_tab import summary_tab

EXAMPLES = [
    "哪些论文研究了 KV cache 压缩？",
    "GuardSpace 如何在微调时保持安全对齐？",
    "Which paper scales test-time compute with a recurrent depth model?",
    "What does the s1 paper's budget forcing do?",
]


def build_app(
    settings: Settings,
    service: Any,
    *,
    categories: Sequence[str] = (),
    backend_label: str = "",
    make_filters: Callable[[list[str]], Any] | None = None,
    summarizer: Any = None,
) -> gr.Blocks:
    """The chat app over `service` (an AnswerService or anything with its `stream`), and the
    topic-summary tab when a summarizer is given."""
    make_filters = make_filters or (lambda categories: None)
    handlers = ChatHandlers(service, settings.paths.feedback, make_filters)
    with gr.Blocks(title="Digest assistant", fill_height=True, analytics_enabled=False) as app:
        turns = gr.State([])
        results = gr.State({})
        with gr.Row():
            gr.Markdown(
                "## Digest assistant\nAsk about the papers of the digest, in 中文 or English."
            )
            gr.Markdown(escape_markdown(backend_label), elem_id="backend")
        with gr.Tab("Chat"), gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    label="Conversation",
                    height=560,
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                    elem_id="chat",
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask a question… / 输入你的问题…",
                        show_label=False,
                        scale=8,
                        max_lines=6,
                        elem_id="question",
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    new_chat = gr.Button("New chat", size="sm", elem_id="new-chat")
                    feedback_note = gr.Markdown("", elem_id="feedback-note")
                gr.Examples(EXAMPLES, inputs=question, label="Examples")
            with gr.Column(scale=2):
                category = gr.Dropdown(
                    choices=list(categories),
                    multiselect=True,
                    label="Only these categories",
                    elem_id="category",
                )
                sources = gr.HTML(sources_html([]), label="Sources", elem_id="sources")
        if summarizer is not None:
            summary_tab(
                summarizer,
                categories,
                make_filters,
                concurrency=settings.web.concurrency,
                time_limit_s=settings.web.time_limit_s,
            )

        inputs = [question, chat, turns, results, category]
        outputs = [question, chat, sources, turns, results]
        # One listener per action. Everything that runs the model shares one concurrency
        # group ("model"), so web.concurrency bounds answers and summaries together.
        gr.on(
            [question.submit, send.click],
            handlers.respond,
            inputs,
            outputs,
            api_name="ask",
            concurrency_id=MODEL_GROUP,
            concurrency_limit=settings.web.concurrency,
            time_limit=settings.web.time_limit_s,
        )
        new_chat.click(handlers.new_chat, None, outputs, queue=False, api_visibility="private")

        def on_like(state: dict, data: gr.LikeData) -> str:
            return handlers.record_feedback(data.index, data.liked, state)

        chat.like(on_like, [results], [feedback_note], queue=False, api_visibility="private")
    app.queue(default_concurrency_limit=settings.web.concurrency, max_size=64)
    return app


def launch_options(settings: Settings, *, share: bool = False) -> dict[str, Any]:
    """Arguments for `Blocks.launch`: loopback unless asked, logins, the stylesheet."""
    logins = [entry.get_secret_value() for entry in settings.web.auth]
    auth = [tuple(login.split(":", 1)) for login in logins] or None
    return {
        "server_name": settings.web.host,
        "server_port": settings.web.port,
        "share": share,
        "auth": auth,
        "css": CSS,
        "show_error": True,
        "footer_links": [],
    }
