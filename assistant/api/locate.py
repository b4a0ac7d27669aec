"""Which way a command reaches the local index: open it itself, or, while a running
`assistant serve` holds it, go through that server's HTTP API.

Chroma's PersistentClient must not be opened by two processes (the conventions say why),
so the read-only commands do not share the folder: the server answers for them, with its
own models and settings.
"""

from __future__ import annotations

from assistant.api.client import ServerClient
from assistant.config import Settings
from assistant.errors import IndexStateError
from assistant.index.lock import acquire_folder_lock, served_url


def running_server(settings: Settings) -> ServerClient | None:
    """A client for the server that holds the local index, or None when this process can
    open the index itself (or it lives on a Chroma server, which any process may use)."""
    if settings.index.chroma_host or not settings.api.use_server:
        return None
    folder = settings.paths.vectorstore.expanduser().resolve()
    try:
        acquire_folder_lock(folder).release()
    except IndexStateError:
        url = served_url(folder)
        if url is None:
            raise  # held by a process that serves nothing (an ingest, a search): say who
        return ServerClient(url, settings.api.token)
    return None
