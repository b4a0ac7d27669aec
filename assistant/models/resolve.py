"""Which model files the settings ask for, and making sure they are present and verified.

Roles: `chat` is the local chat model (llm.model, default Qwen2.5-Coder-1.5B) and
`embedder` the local embedder (embedder.model, default EmbeddingGemma-300M); each
resolves to nothing when its backend is not local. A user's own copy (llm.model_path,
embedder.model_path) is used instead of the cache; when the settings name a known model
it is verified against that model's pins (and never deleted on a mismatch).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.console import Console

from assistant.config import Settings
from assistant.errors import ConfigError, ModelError
from assistant.models.download import Downloader, pip_download
from assistant.models.fetch import fetch_model, model_root
from assistant.models.meter import make_progress
from assistant.models.specs import DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDER, REGISTRY, ModelSpec
from assistant.models.verify import check_files, marker_holds, write_marker

ROLES = ("chat", "embedder")


def _known(kind: str) -> str:
    return ", ".join(name for name, spec in REGISTRY.items() if spec.kind == kind)


def chat_spec(settings: Settings) -> ModelSpec | None:
    """The known model behind the local chat backend; None for a user's other GGUF."""
    name = settings.llm.model or DEFAULT_CHAT_MODEL
    spec = REGISTRY.get(name)
    if spec is not None and spec.kind == "chat":
        return spec
    if settings.llm.model_path is not None:
        return None
    raise ConfigError(
        f"llm.model {name!r} is not a local model the assistant can fetch.",
        hint=f"Use one of: {_known('chat')}; or set llm.model_path to a GGUF file you have.",
    )


def embedder_spec(settings: Settings) -> ModelSpec | None:
    """The known model behind the local embedder; None for a user's other model folder."""
    name = settings.embedder.model or DEFAULT_EMBEDDER
    spec = REGISTRY.get(name)
    if spec is not None and spec.kind == "embedder":
        return spec
    if settings.embedder.model_path is not None:
        return None
    raise ConfigError(
        f"embedder.model {name!r} is not a local embedder the assistant can fetch.",
        hint=f"Use {_known('embedder')}; or set embedder.model_path to a sentence-transformers "
        "folder you have.",
    )


def resolve_names(settings: Settings, names: Iterable[str]) -> list[ModelSpec]:
    """Registry entries for model names and roles; no names means what the settings use."""
    names = list(names) or ["tokenizer", *ROLES]
    specs: list[ModelSpec] = []
    for name in names:
        if name == "chat":
            wanted = settings.resolved_llm_backend() == "local" and not settings.llm.model_path
            spec = chat_spec(settings) if wanted else None
        elif name == "embedder":
            wanted = settings.embedder.backend == "local" and not settings.embedder.model_path
            spec = embedder_spec(settings) if wanted else None
        elif name in REGISTRY:
            spec = REGISTRY[name]
        else:
            raise ConfigError(
                f"Unknown model {name!r}.",
                hint=f"Known models: {', '.join(REGISTRY)}; roles: {', '.join(ROLES)}.",
            )
        if spec is not None and spec not in specs:
            specs.append(spec)
    return specs


def announce(spec: ModelSpec) -> str:
    """One line naming a model, its size, license and source (said before downloading)."""
    return (
        f"{spec.name}: {spec.title}, {spec.download_size_hint}; license: {spec.license}; "
        f"source: {spec.source}"
    )


def ensure_models(
    settings: Settings,
    names: Iterable[str] = (),
    progress: bool = True,
    *,
    downloader: Downloader | None = None,
    say: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Fetch and verify what is missing (quick when all is verified); name -> path."""
    downloader = downloader or pip_download
    console = Console(stderr=True)
    say = say or (lambda message: console.print(message, markup=False, highlight=False))
    models_dir = settings.paths.models
    found: dict[str, Path] = {}
    for spec in resolve_names(settings, names):
        if not marker_holds(models_dir, spec.name, spec, model_root(spec, models_dir)):
            say(f"Fetching {spec.name} ({spec.download_size_hint}, license: {spec.license})")
        bar = make_progress() if progress else None
        if bar is not None:
            with bar:
                result = fetch_model(spec, models_dir, downloader=downloader, progress=bar, say=say)
        else:
            result = fetch_model(spec, models_dir, downloader=downloader, say=say)
        found[spec.name] = result.path
    return found


def verify_user_copy(
    spec: ModelSpec, path: Path, models_dir: Path, setting: str, progress: bool = False
) -> None:
    """Check a user's own copy of a known model; its marker lives in the cache."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ConfigError(
            f"{setting} points at {path}, which does not exist.",
            hint=f"Fix {setting}, or unset it to use the fetched {spec.name}.",
        )
    if spec.unpack == "zip":
        root, own = path, spec
    else:
        # A single-file model may have any file name on the user's disk.
        root = path.parent
        own = dataclasses.replace(spec, files=(dataclasses.replace(spec.files[0], path=path.name),))
    key = "user-" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    if marker_holds(models_dir, key, own, root):
        return
    bar = make_progress() if progress else None
    if bar is not None:
        with bar:
            problems = check_files(own.files, root, bar)
    else:
        problems = check_files(own.files, root)
    if problems:
        details = "; ".join(f"{p.path}: {p.reason}" for p in problems)
        raise ModelError(
            f"{setting} ({path}) does not match the pinned files of {spec.name}: {details}.",
            hint=f"Use an intact copy of {spec.name}, or set the model name setting to another "
            "name to load this file unverified at your own risk.",
        )
    write_marker(models_dir, key, own, root)


def local_chat_model_path(settings: Settings, *, fetch: bool = True, progress: bool = True) -> Path:
    """The GGUF file the local chat backend loads, verified (fetched first if allowed)."""
    spec = chat_spec(settings)
    if settings.llm.model_path is not None:
        if spec is not None:
            verify_user_copy(spec, settings.llm.model_path, settings.paths.models, "llm.model_path")
        return Path(settings.llm.model_path).expanduser()
    assert spec is not None
    return _cached(settings, spec, fetch=fetch, progress=progress)


def local_embedder_path(settings: Settings, *, fetch: bool = True, progress: bool = True) -> Path:
    """The sentence-transformers folder of the local embedder, verified."""
    spec = embedder_spec(settings)
    if settings.embedder.model_path is not None:
        if spec is not None:
            verify_user_copy(
                spec, settings.embedder.model_path, settings.paths.models, "embedder.model_path"
            )
        return Path(settings.embedder.model_path).expanduser()
    assert spec is not None
    return _cached(settings, spec, fetch=fetch, progress=progress)


def _cached(settings: Settings, spec: ModelSpec, *, fetch: bool, progress: bool) -> Path:
    models_dir = settings.paths.models
    if marker_holds(models_dir, spec.name, spec, model_root(spec, models_dir)):
        return spec.location(models_dir)
    if not fetch:
        raise ModelError(
            f"The local model {spec.name} is not in {models_dir} (or not verified).",
            hint=f"Run `assistant models fetch {spec.name}`.",
        )
    return ensure_models(settings, [spec.name], progress=progress)[spec.name]
