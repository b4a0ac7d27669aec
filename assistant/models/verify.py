"""Checking model files by size and SHA-256, and the markers that remember a check.

A marker (`<models>/.verified/<name>.json`) records each verified file's size, hash and
modification time, so later runs trust an unchanged file without hashing a gigabyte
again; any change in size or time sends the file back to a full check.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.progress import Progress

from assistant.models.meter import Meter
from assistant.models.specs import ModelSpec, PinnedFile

CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class Mismatch:
    """Why one file failed its check."""

    path: Path
    reason: str


def sha256_file(path: Path, meter: Meter | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            if meter:
                meter.advance(len(block))
    return digest.hexdigest()


def check_files(
    pinned: Iterable[PinnedFile], root: Path, progress: Progress | None = None
) -> list[Mismatch]:
    """Compare each pinned file under `root` by size, then by SHA-256."""
    pinned = list(pinned)
    meter = Meter(progress, "verifying", sum(p.size for p in pinned))
    problems: list[Mismatch] = []
    for spec in pinned:
        path = Path(root) / spec.path
        if not path.is_file():
            problems.append(Mismatch(path, "missing"))
            meter.advance(spec.size)
            continue
        size = path.stat().st_size
        if size != spec.size:
            problems.append(Mismatch(path, f"size {size:,} bytes, expected {spec.size:,}"))
            meter.advance(spec.size)
            continue
        actual = sha256_file(path, meter)
        if actual != spec.sha256:
            problems.append(Mismatch(path, f"sha256 {actual}, expected {spec.sha256}"))
    meter.close()
    return problems


def marker_path(models_dir: Path, key: str) -> Path:
    return Path(models_dir) / ".verified" / f"{key}.json"


def write_marker(models_dir: Path, key: str, spec: ModelSpec, root: Path) -> None:
    """Remember that the files of `spec` under `root` matched their pins just now."""
    files = {}
    for pinned in spec.files:
        stat = (Path(root) / pinned.path).stat()
        files[pinned.path] = {
            "size": stat.st_size,
            "sha256": pinned.sha256,
            "mtime_ns": stat.st_mtime_ns,
        }
    record = {
        "model": spec.name,
        "root": str(Path(root).resolve()),
        "verified_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": files,
    }
    path = marker_path(models_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
    tmp.replace(path)


def marker_holds(models_dir: Path, key: str, spec: ModelSpec, root: Path) -> bool:
    """True when a marker vouches for every pinned file under `root` as it is now."""
    path = marker_path(models_dir, key)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if record.get("root") != str(Path(root).resolve()):
        return False
    files = record.get("files", {})
    for pinned in spec.files:
        seen = files.get(pinned.path)
        if not seen or seen.get("sha256") != pinned.sha256:
            return False
        try:
            stat = (Path(root) / pinned.path).stat()
        except OSError:
            return False
        if stat.st_size != pinned.size or stat.st_mtime_ns != seen.get("mtime_ns"):
            return False
    return True


def drop_marker(models_dir: Path, key: str) -> None:
    marker_path(models_dir, key).unlink(missing_ok=True)
