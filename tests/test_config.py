"""Settings: precedence of overrides > environment > .env > defaults, and masking."""

from __future__ import annotations

import pytest

from assistant.config import describe_settings, load_settings, parse_overrides
from assistant.errors import ConfigError


def test_defaults_are_offline_and_loopback():
    settings = load_settings()
    assert settings.resolved_llm_backend() == "local"
    assert settings.embedder.backend == "local"
    assert settings.web.host == "127.0.0.1"
    assert settings.paths.digests[0].name == "digests"
    assert "digest-assistant" in str(settings.paths.models)


def test_precedence_override_beats_env_beats_dotenv(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("ASSISTANT_RETRIEVAL__K=3\nASSISTANT_WEB__PORT=9001\n", encoding="utf-8")
    assert load_settings(env_file=env_file).retrieval.k == 3

    monkeypatch.setenv("ASSISTANT_RETRIEVAL__K", "7")
    settings = load_settings(env_file=env_file)
    assert settings.retrieval.k == 7
    assert settings.web.port == 9001  # still from .env: sections merge, not replace

    settings = load_settings(parse_overrides(["retrieval.k=11"]), env_file=env_file)
    assert settings.retrieval.k == 11
    assert settings.web.port == 9001


def test_openai_key_switches_auto_backend_and_is_masked(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret")
    settings = load_settings()
    assert settings.resolved_llm_backend() == "openai"
    shown = describe_settings(settings)
    assert shown["openai_api_key"] == "********"
    assert "sk-very-secret" not in repr(shown)


def test_base_url_means_openai_compatible():
    settings = load_settings(parse_overrides(["llm.base_url=http://127.0.0.1:9/v1"]))
    assert settings.resolved_llm_backend() == "openai-compatible"


def test_invalid_value_is_a_config_error_naming_the_setting(monkeypatch):
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__K", "many")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "retrieval.k" in str(caught.value)


@pytest.mark.parametrize("bad", ["no-equals-sign", "=5"])
def test_malformed_override_is_rejected(bad):
    with pytest.raises(ConfigError):
        parse_overrides([bad])


def test_override_values_are_json_when_they_parse():
    assert parse_overrides(["a.b=3", "a.c=true", "d=text"]) == {
        "a": {"b": 3, "c": True},
        "d": "text",
    }
