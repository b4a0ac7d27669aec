"""The Gradio Blocks of the web chat, built by a function: nothing starts at import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from assistant.config import Settings
from assistant.conversations.store import ConversationStore
from assistant.gate import ModelGate
from assistant.present.html import CSS, sources_html
from assistant.present.markdown import escape_markdown
from assistant.web.chat import MODEL_GROUP, ChatHandlers
from assistant.web.conversations import SideList, user_of
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
    conversations: ConversationStore | None = None,
    gate: ModelGate | None = None,
) -> gr.Blocks:
    """The chat app over `service` (an AnswerService or anything with its `stream`), its
    conversations kept in `conversations` (default: the paths.conversations file), and the
    topic-summary tab when a summarizer is given. `gate` bounds the answers and summaries
    running at once (shared with the HTTP API when it runs beside the app)."""
    make_filters = make_filters or (lambda categories: None)
    store = conversations or ConversationStore(settings.paths.conversations)
    gate = gate or ModelGate(settings.web.concurrency, wait_s=settings.web.time_limit_s)
    handlers = ChatHandlers(service, store, make_filters, gate=gate)
    side = SideList(store)
    with gr.Blocks(title="Digest assistant", fill_height=True, analytics_enabled=False) as app:
        conversation = gr.State(None)  # the current conversation's id
        turn_of = gr.State({})  # chat message index -> stored turn, for feedback
        # The open conversation, kept in the browser (an object: Gradio does not store a
        # null, which would leave the previous one there after "New chat").
        saved = gr.BrowserState({"conversation": None}, storage_key="digest-assistant-chat")
        with gr.Row():
            gr.Markdown(
                "## Digest assistant\nAsk about the papers of the digest, in 中文 or English."
            )
            gr.Markdown(escape_markdown(backend_label), elem_id="backend")
        with gr.Tab("Chat"), gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=220):
                new_chat = gr.Button("New chat", size="sm", elem_id="new-chat")
                history = gr.Radio(
                    [], label="Conversations", elem_id="conversations", elem_classes="da-history"
                )
                title = gr.Textbox(
                    label="Title", max_lines=1, interactive=False, elem_id="conversation-title"
                )
                with gr.Row():
                    rename = gr.Button("Rename", size="sm", elem_id="rename-chat")
                    delete = gr.Button("Delete", size="sm", variant="stop", elem_id="delete-chat")
                # Deleting cannot be undone: it is asked for twice.
                with gr.Row(visible=False) as confirm_row:
                    confirm = gr.Button(
                        "Delete it for good", size="sm", variant="stop", elem_id="confirm-delete"
                    )
                    keep = gr.Button("Keep it", size="sm", elem_id="keep-chat")
                with gr.Row():
                    export_md = gr.DownloadButton(
                        "Markdown", size="sm", visible=False, elem_id="export-md"
                    )
                    export_json = gr.DownloadButton(
                        "JSON", size="sm", visible=False, elem_id="export-json"
                    )
                side_note = gr.Markdown("", elem_id="side-note")
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
                gate=gate,
            )

        inputs = [question, chat, conversation, turn_of, category]
        outputs = [question, chat, sources, conversation, turn_of]
        opened = [chat, sources, conversation, turn_of]
        panel = [saved, history, title, export_md, export_json]
        private = {"queue": False, "api_visibility": "private"}

        def ask(message, messages, conversation_id, turns, categories, request: gr.Request):
            yield from handlers.respond(
                message, messages, conversation_id, turns, categories, user_of(request)
            )

        def show_panel(conversation_id: str | None, request: gr.Request):
            return side.panel(conversation_id, user_of(request))

        def open_chat(conversation_id: str | None, request: gr.Request):
            return side.open(conversation_id, user_of(request))

        def reopen(saved_chat: dict | None, request: gr.Request):
            return side.open((saved_chat or {}).get("conversation"), user_of(request))

        def rename_chat(conversation_id: str | None, text: str, request: gr.Request):
            return side.rename(conversation_id, text, user_of(request))

        def delete_chat(conversation_id: str | None, request: gr.Request):
            return side.delete(conversation_id, user_of(request)), *handlers.new_chat()

        def on_like(conversation_id, turns, data: gr.LikeData, request: gr.Request) -> str:
            return handlers.record_feedback(
                data.index, data.liked, conversation_id, turns, user_of(request)
            )

        # One listener per action. Everything that runs the model shares one concurrency
        # group ("model"), so web.concurrency bounds answers and summaries together.
        gr.on(
            [question.submit, send.click],
            ask,
            inputs,
            outputs,
            api_name="ask",
            concurrency_id=MODEL_GROUP,
            concurrency_limit=settings.web.concurrency,
            time_limit=settings.web.time_limit_s,
        ).then(show_panel, [conversation], panel, **private)
        new_chat.click(handlers.new_chat, None, outputs, **private).then(
            show_panel, [conversation], panel, **private
        )
        history.input(open_chat, [history], opened, **private).then(
            show_panel, [conversation], panel, **private
        )
        rename.click(rename_chat, [conversation, title], [side_note], **private).then(
            show_panel, [conversation], panel, **private
        )
        delete.click(lambda: gr.update(visible=True), None, confirm_row, **private)
        keep.click(lambda: gr.update(visible=False), None, confirm_row, **private)
        confirm.click(lambda: gr.update(visible=False), None, confirm_row, **private).then(
            delete_chat, [conversation], [side_note, *outputs], **private
        ).then(show_panel, [conversation], panel, **private)
        chat.like(on_like, [conversation, turn_of], [feedback_note], **private)
        # A reload brings back the chat the browser had open (if it is this user's).
        app.load(reopen, [saved], opened, **private).then(
            show_panel, [conversation], panel, **private
        )
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


def mount_options(settings: Settings) -> dict[str, Any]:
    """Arguments for `gr.mount_gradio_app`, when the chat is served inside the HTTP API's
    app: the same logins and look as `launch_options`."""
    options = launch_options(settings)
    return {
        "server_name": options["server_name"],
        "server_port": options["server_port"],
        "auth": options["auth"],
        "css": options["css"],
        "show_error": options["show_error"],
        "footer_links": options["footer_links"],
    }
