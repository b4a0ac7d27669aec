"""Shared fixtures: every test runs offline, with settings isolated from the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.digest import load_digests
from assistant.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data" / "digests"
TEST_DATA = Path(__file__).resolve().parent / "data"
SAMPLES = [TEST_DATA / "sample_a.md", TEST_DATA / "sample_b.txt"]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ASSISTANT_* or OPENAI_* variable and no .env of the developer leaks into a test,
    and nothing is written to the user's data folder (kept conversations)."""
    import os

    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.chdir(tmp_path)


def fake_runtime(folder: Path, digests: list[Path], **sections: dict) -> Runtime:
    """A real Chroma index of `digests` in `folder`, with the fake embedder and chat model."""
    overrides: dict = {
        "paths": {"vectorstore": str(folder)},
        "embedder": {"backend": "fake"},
        "llm": {"backend": "fake"},
    }
    for section, values in sections.items():
        overrides.setdefault(section, {}).update(values)
    runtime = Runtime(load_settings(overrides, env_file=None))
    runtime.ingest(load_digests(digests))
    return runtime


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """The two sample digests (4 papers), indexed once per test session."""
    runtime = fake_runtime(tmp_path_factory.mktemp("sample-index"), SAMPLES)
    yield runtime
    runtime.close()


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """The bundled digest (867 papers), indexed once per test session. The fake embedder's
    similarities are near noise on long texts, so BM25 leads the fused ranking."""
    folder = tmp_path_factory.mktemp("bundled-index")
    runtime = fake_runtime(folder, [BUNDLED], retrieval={"dense_weight": 0.1})
    yield runtime
    runtime.close()
