"""What is in the model cache, what is verified, and which backends the settings select.

Reading status never hashes a file: it trusts the verification markers (which notice any
change of size or modification time) and otherwise reports files as unverified.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings, public_url
from assistant.models.fetch import model_root
from assistant.models.specs import DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDER, REGISTRY, ModelSpec
from assistant.models.verify import marker_holds

DEFAULT_OPENAI_CHAT = "gpt-4o-mini"
DEFAULT_OPENAI_EMBEDDER = "text-embedding-3-small"


@dataclass(frozen=True)
class ModelState:
    name: str
    kind: str
    license: str
    state: str  # "verified" | "unverified" | "missing"
    path: Path
    in_use: bool


def model_state(spec: ModelSpec, models_dir: Path, in_use: bool = False) -> ModelState:
    root = model_root(spec, models_dir)
    if marker_holds(models_dir, spec.name, spec, root):
        state = "verified"
    elif any((root / f.path).exists() for f in spec.files):
        state = "unverified"
    else:
        state = "missing"
    return ModelState(spec.name, spec.kind, spec.license, state, spec.location(models_dir), in_use)


def active_chat(settings: Settings) -> str:
    """The chat backend and model the settings select, in words."""
    backend = settings.resolved_llm_backend()
    if backend == "local":
        model = settings.llm.model or DEFAULT_CHAT_MODEL
        where = f" from {settings.llm.model_path}" if settings.llm.model_path else ""
        return f"local ({settings.llm.local_mode}): {model}{where}"
    if backend == "openai":
        return f"openai: {settings.llm.model or DEFAULT_OPENAI_CHAT}"
    if backend == "openai-compatible":
        return f"openai-compatible: {settings.llm.model or '(no llm.model set)'} at " + (
            public_url(settings.llm.base_url) or "(no llm.base_url set)"
        )
    return "fake: scripted replies (tests and demos)"


def active_embedder(settings: Settings) -> str:
    """The embedding backend and model the settings select, in words."""
    backend = settings.embedder.backend
    if backend == "local":
        model = settings.embedder.model or DEFAULT_EMBEDDER
        where = f" from {settings.embedder.model_path}" if settings.embedder.model_path else ""
        return f"local: {model}{where} on {settings.embedder.runtime}"
    if backend == "openai":
        return f"openai: {settings.embedder.model or DEFAULT_OPENAI_EMBEDDER}"
    if backend == "openai-compatible":
        return f"openai-compatible: {settings.embedder.model or '(no embedder.model set)'} at " + (
            public_url(settings.embedder.base_url) or "(no embedder.base_url set)"
        )
    return "fake: hashed bag of words (tests and demos)"


def models_in_use(settings: Settings) -> set[str]:
    used = {"tokenizer"}
    if settings.resolved_llm_backend() == "local" and not settings.llm.model_path:
        used.add(settings.llm.model or DEFAULT_CHAT_MODEL)
    if settings.embedder.backend == "local" and not settings.embedder.model_path:
        used.add(settings.embedder.model or DEFAULT_EMBEDDER)
    return used


def cache_status(settings: Settings) -> list[ModelState]:
    """One row per known model, marking those the current settings use."""
    used = models_in_use(settings)
    return [
        model_state(spec, settings.paths.models, spec.name in used) for spec in REGISTRY.values()
    ]
