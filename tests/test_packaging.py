"""The wheel carries the prompts and the bundled digest, so an installed copy works outside
the checkout (its index then lives in the user's data folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True,
    )  # fmt: skip
    (wheel,) = out.glob("digest_assistant-*.whl")
    return wheel


def test_an_installed_wheel_finds_its_prompts_and_bundled_digest(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    prompts = sorted(p.name for p in (ROOT / "prompts").glob("*.txt"))
    assert all(f"assistant/_data/prompts/{name}" in names for name in prompts)
    digests = sorted(p.name for p in (ROOT / "data" / "digests").iterdir())
    assert all(f"assistant/_data/data/digests/{name}" in names for name in digests)

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True,
    )  # fmt: skip
    script = (
        "import json, assistant.config as c; s = c.load_settings(env_file=None); "
        "print(json.dumps([str(s.paths.prompts), [str(p) for p in s.paths.digests], "
        "str(s.paths.vectorstore)]))"
    )
    env = {**os.environ, "PYTHONPATH": str(target), "XDG_DATA_HOME": str(tmp_path / "data")}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    prompts_dir, digest_dirs, vectorstore = json.loads(out.stdout)
    assert prompts_dir.startswith(str(target)) and Path(prompts_dir, "answer.en.user.txt").is_file()
    assert len(digest_dirs) == 1 and len(list(Path(digest_dirs[0]).iterdir())) == len(digests)
    assert vectorstore == str(tmp_path / "data" / "digest-assistant" / "vectorstore")
    stats = subprocess.run(
        [sys.executable, "-m", "assistant", "papers", "stats", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(stats.stdout)["papers"] == 867
