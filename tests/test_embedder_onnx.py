"""The ONNX Runtime embedder: its graph cache, its checks, and its vectors against
sentence-transformers' on the real EmbeddingGemma."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from assistant.config import load_settings
from assistant.errors import ModelError
from assistant.llm import make_embeddings
from assistant.llm.gemma_graph import MODULE_TYPES, model_config, sliding_window
from assistant.llm.gemma_onnx import KEY_FILES, WEIGHT_FILES, cached_graph, graph_key

GEMMA_CONFIG = {
    "model_type": "gemma3_text",
    "use_bidirectional_attention": True,
    "sliding_window": 512,
}


def write_folder(folder: Path, *, modules: list[str] = MODULE_TYPES, **config: object) -> Path:
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "modules.json").write_text(json.dumps([{"type": t} for t in modules]))
    (folder / "config.json").write_text(json.dumps({**GEMMA_CONFIG, **config}))
    (folder / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    return folder


def stub_model_files(folder: Path) -> Path:
    """Every file the graph key reads, with placeholder contents."""
    for name in (*KEY_FILES, *WEIGHT_FILES):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"{}")
    return folder


def test_an_embeddinggemma_folder_is_accepted(tmp_path: Path) -> None:
    config = model_config(write_folder(tmp_path / "gemma"))
    assert config["model_type"] == "gemma3_text"


@pytest.mark.parametrize(
    "change",
    [
        {"model_type": "bert"},
        {"use_bidirectional_attention": False},  # a causal Gemma is not this encoder
        {"num_key_value_heads": 4},  # the graph's attention serves one key/value head
        {"modules": ["sentence_transformers.models.Transformer"]},
    ],
)
def test_another_architecture_is_refused_with_the_way_out(tmp_path: Path, change: dict) -> None:
    folder = write_folder(tmp_path / "other", **change)
    with pytest.raises(ModelError) as caught:
        model_config(folder)
    assert "not an EmbeddingGemma model" in caught.value.message
    assert "embedder.runtime=sentence-transformers" in caught.value.hint


def test_an_unreadable_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        model_config(tmp_path / "missing")
    assert str(tmp_path / "missing") in caught.value.message


def test_the_sliding_window_follows_the_reference_implementation() -> None:
    # transformers halves the window for bidirectional attention, exclusive bound.
    assert sliding_window({"sliding_window": 512}) == 257


def test_the_graph_key_follows_the_files_it_is_built_from(tmp_path: Path) -> None:
    folder = stub_model_files(tmp_path / "gemma")
    key = graph_key(folder)
    assert graph_key(folder) == key
    (folder / "config.json").write_text('{"hidden_size": 1}')
    changed_config = graph_key(folder)
    assert changed_config != key
    weights = folder / "model.safetensors"
    os.utime(weights, ns=(1, weights.stat().st_mtime_ns + 10**9))
    assert graph_key(folder) not in {key, changed_config}


# --- on the real model ---------------------------------------------------------------------

LONG = " ".join(
    f"Sentence {i} of a long abstract about retrieval, caching and evaluation." for i in range(90)
)


def embedder(runtime: str = "onnx", precision: str = "float32"):
    settings = load_settings(
        {"embedder": {"runtime": runtime, "onnx_precision": precision}}, env_file=None
    )
    try:
        return make_embeddings(settings, fetch_missing=False, progress=False)
    except ModelError as exc:
        pytest.skip(f"the embedder is not fetched: {exc}")


@pytest.mark.models
def test_onnx_vectors_match_sentence_transformers() -> None:
    onnx, torch_runtime = embedder(), embedder("sentence-transformers")
    documents = ["短文本。", "检索增强生成把检索到的文档交给语言模型。", LONG[:1800], LONG]
    # The two long ones cross the sliding window (257) and the 512-token truncation.
    lengths = [len(onnx.encoder.token_ids(d, query=False)) for d in documents]
    assert 257 < lengths[2] < 512 and lengths[3] == 512
    queries = ["哪篇论文压缩了 KV cache？", "Which paper trains a small model with RL?"]
    ours, theirs = onnx.embed_documents(documents), torch_runtime.embed_documents(documents)
    pairs = list(zip(ours, theirs, strict=True))
    pairs += [(onnx.embed_query(q), torch_runtime.embed_query(q)) for q in queries]
    for ours, reference in pairs:
        assert len(ours) == len(reference) == 768
        assert abs(np.linalg.norm(ours) - 1) < 1e-5
        assert float(np.dot(ours, reference)) > 0.99999
    # A query and a document of the same text differ: each gets its own prompt.
    assert float(np.dot(onnx.embed_query(queries[0]), onnx.embed_documents(queries[:1])[0])) < 0.99


@pytest.mark.models
def test_int8_vectors_stay_close_to_the_float_ones() -> None:
    fast, exact = embedder(precision="int8"), embedder(precision="float32")
    queries = [
        "哪篇论文压缩了 KV cache？",
        "Which paper trains a small model with RL to write proofs, and by how much does it win?",
        "视频生成模型的推理加速，注意力稀疏化，延迟从多少秒降到多少秒",
    ]
    passages = ["检索增强生成把检索到的文档交给语言模型。", LONG[:1800], LONG]
    pairs = [(fast.embed_query(q), exact.embed_query(q)) for q in queries]
    pairs += list(zip(fast.embed_documents(passages), exact.embed_documents(passages), strict=True))
    for ours, reference in pairs:
        assert abs(np.linalg.norm(ours) - 1) < 1e-5
        assert 0.997 < float(np.dot(ours, reference)) < 1 - 1e-6  # close, and really int8


def test_the_index_records_an_int8_embedder_and_float32_matches_either_runtime() -> None:
    from assistant.index.identity import embedder_identity

    def identity(**embedder: str) -> str:
        return embedder_identity(load_settings({"embedder": embedder}, env_file=None))

    int8 = identity(runtime="onnx", onnx_precision="int8")
    exact = identity(runtime="onnx", onnx_precision="float32")
    assert int8 != exact and "int8" in int8
    assert exact == identity(runtime="sentence-transformers", onnx_precision="int8")
    assert identity() == int8  # the default


def test_an_index_of_the_other_precision_names_the_setting_that_keeps_it() -> None:
    from assistant.errors import IndexStateError
    from assistant.index.identity import IndexIdentity, check_identity

    def built(embedder: str, chunking: str = "c1") -> IndexIdentity:
        return IndexIdentity(3, embedder, 768, chunking, "l1")

    cases = [
        (built("local/default"), built("local/default+int8"), "embedder.onnx_precision=float32"),
        (built("local/default+int8"), built("local/default"), "embedder.onnx_precision=int8"),
    ]
    for found, expected, setting in cases:
        with pytest.raises(IndexStateError) as caught:
            check_identity(found, expected, "vectorstore")
        assert setting in caught.value.hint and "--rebuild" in caught.value.hint
    # Another model, or another difference besides: only the rebuild helps.
    for found in (built("local/other"), built("local/default", chunking="c2")):
        with pytest.raises(IndexStateError) as caught:
            check_identity(found, built("local/default+int8"), "vectorstore")
        assert "onnx_precision" not in caught.value.hint


@pytest.mark.models
def test_the_built_graphs_are_reused(capsys: pytest.CaptureFixture[str]) -> None:
    onnx = embedder(precision="int8")
    embedder(precision="float32")
    settings = load_settings({}, env_file=None)
    folder = Path(onnx.encoder.folder)
    capsys.readouterr()

    def no_calibration() -> dict:
        raise AssertionError("a cached int8 graph was calibrated again")

    for precision in ("float32", "int8"):
        graph = cached_graph(folder, settings.paths.models / "onnx", precision=precision,
                             activation_max=no_calibration)  # fmt: skip
        before = graph.stat().st_mtime_ns
        again = cached_graph(folder, settings.paths.models / "onnx", precision=precision,
                             activation_max=no_calibration)  # fmt: skip
        assert again == graph and graph.stat().st_mtime_ns == before
    assert "preparing" not in capsys.readouterr().err


def test_an_incomplete_folder_is_named_not_a_traceback(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "gemma")
    with pytest.raises(ModelError) as caught:
        graph_key(folder)  # no 2_Dense, no weights
    assert str(folder) in caught.value.message and "incomplete" in caught.value.message


def test_a_graph_that_cannot_be_cached_says_where_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.llm import gemma_onnx

    folder = stub_model_files(tmp_path / "gemma")
    monkeypatch.setattr(gemma_onnx, "build_graph", lambda folder, **options: b"graph")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    with pytest.raises(ModelError) as caught:
        cached_graph(folder, blocked / "onnx", progress=False)
    assert str(blocked / "onnx") in caught.value.message
    assert "embedder.runtime=sentence-transformers" in caught.value.hint
    good = cached_graph(folder, tmp_path / "cache", progress=False)
    assert good.read_bytes() == b"graph"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [good.parent.name]


def test_graphs_of_older_files_are_removed_and_both_precisions_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.llm import gemma_onnx

    folder = stub_model_files(tmp_path / "gemma")
    built: list[dict] = []
    monkeypatch.setattr(
        gemma_onnx, "build_graph", lambda folder, **options: built.append(options) or b"graph"
    )
    cache = tmp_path / "cache"
    (cache / "gemma-0ld0ld0ld0ld0ld0").mkdir(parents=True)  # an older key's folder
    (cache / "gemma-0123456789abcdef.onnx").write_bytes(b"old layout")
    (cache / "other-model.onnx").write_bytes(b"not ours")
    exact = cached_graph(folder, cache, progress=False)
    fast = cached_graph(folder, cache, precision="int8", activation_max=lambda: {"a": 1},
                        progress=False)  # fmt: skip
    assert built == [{}, {"activation_max": {"a": 1}}]
    assert exact.parent == fast.parent and exact.exists() and fast.exists()
    assert sorted(p.name for p in cache.iterdir()) == [exact.parent.name, "other-model.onnx"]
