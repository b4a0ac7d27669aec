"""Kept conversations: every turn of the web chat, `assistant chat` and the HTTP API, with
its answer result and feedback, in one SQLite file per user data folder (paths.conversations).

    store     the SQLite file: conversations and turns per login, schema version, migrations
    schema    the migrations, in order
    model     Conversation and Turn, as read back
    restore   an answer result back from its stored JSON (for showing and exporting it)
    chats     answering inside a conversation: its history in, the new turn saved
    export    a conversation as Markdown (via present/) or JSON
    feedback  the 👍/👎 ratings as JSONL entries for eval sets
"""

LOCAL_USER = "local"  # the one user when no login is configured, and the command line's
