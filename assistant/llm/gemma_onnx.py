"""EmbeddingGemma on ONNX Runtime: tokenizer, embedding table and the cached graph.

The graph (gemma_graph.py) is built once from the model folder and cached next to the
models (`<paths.models>/onnx/<folder>-<key>/<precision>.onnx`), keyed by the folder's
files, so later loads only read it (a few seconds). `embedder.onnx_precision` picks it:

- `float32` gives sentence-transformers' vectors (cosine > 0.99999);
- `int8` (the default) embeds 1.4-1.6x faster on a small CPU, vectors within cosine
  ~0.998 of float32, same retrieval quality on the development set (see README).
  Building it first runs the float32 graph over the calibration questions
  (calibration.py) to set its smoothing scales.

Texts are encoded one at a time, so no padding is computed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelError
from assistant.llm.calibration import QUESTIONS
from assistant.llm.gemma_graph import (
    GRAPH_VERSION,
    HINT,
    SMOOTHING,
    build_graph,
    model_config,
    read_safetensors,
    sliding_window,
)

KEY_FILES = ("config.json", "modules.json", "2_Dense/config.json", "3_Dense/config.json")
WEIGHT_FILES = ("model.safetensors", "2_Dense/model.safetensors", "3_Dense/model.safetensors")


def graph_key(folder: Path) -> str:
    """Changes when the graph code or any file it is built from changes."""
    digest = hashlib.sha256(f"graph {GRAPH_VERSION} smoothing {SMOOTHING}\n".encode())
    digest.update("\n".join(QUESTIONS).encode())
    try:
        for name in KEY_FILES:
            digest.update((folder / name).read_bytes())
        for name in WEIGHT_FILES:
            stat = (folder / name).stat()
            digest.update(f"{name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    except OSError as exc:
        raise ModelError(f"{folder} is incomplete ({exc}).", hint=HINT) from None
    return digest.hexdigest()[:16]


def cached_graph(
    folder: Path,
    cache_dir: Path,
    *,
    precision: str = "float32",
    activation_max: Callable[[], dict[str, np.ndarray]] | None = None,
    progress: bool = True,
) -> Path:
    """The `precision` graph for `folder`, built now if the cache has none for its current
    files. The int8 graph needs `activation_max`, called only when it is built."""
    home = cache_dir / f"{folder.name}-{graph_key(folder)}"
    path = home / f"{precision}.onnx"
    if path.exists():
        return path
    if progress:
        what = "int8, calibrating" if precision == "int8" else precision
        print(f"preparing {folder.name} for ONNX Runtime ({what}; once)…", file=sys.stderr,
              flush=True)  # fmt: skip
    started = time.perf_counter()
    if precision == "int8":
        if activation_max is None:
            raise ValueError("the int8 graph needs activation_max")
        data = build_graph(folder, activation_max=activation_max())
    else:
        data = build_graph(folder)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    try:
        home.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(path)  # atomic: a reader never sees half a graph
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise ModelError(
            f"Cannot write the embedder's ONNX graph to {home} ({exc}).",
            hint="Free some space or fix the folder's permissions (setting paths.models), "
            "or set embedder.runtime=sentence-transformers.",
        ) from None
    for stale in cache_dir.glob(f"{folder.name}-*"):  # graphs of older files or code
        if stale.is_dir() and stale != home:
            shutil.rmtree(stale, ignore_errors=True)
        elif stale.is_file():
            stale.unlink(missing_ok=True)
    if progress:
        print(f"  done in {time.perf_counter() - started:.0f} s: {path}", file=sys.stderr)
    return path


class GemmaOnnxEncoder:
    """Encodes one text at a time into EmbeddingGemma's vector (not normalised)."""

    def __init__(
        self,
        folder: Path,
        *,
        cache_dir: Path,
        precision: str = "float32",
        max_seq_length: int = 512,
        threads: int | None = None,
        progress: bool = True,
    ) -> None:
        from tokenizers import Tokenizer

        self.folder = folder
        self.threads = threads
        self.config = model_config(folder)
        prompts = json.loads((folder / "config_sentence_transformers.json").read_text("utf-8"))
        self.prompts = {
            "query": prompts["prompts"]["query"],
            "document": prompts["prompts"]["document"],
        }
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_seq_length)
        self.embedding = read_safetensors(folder / "model.safetensors")["embed_tokens.weight"]
        self.scale = np.float32(self.config["hidden_size"] ** 0.5)  # Gemma scales embeddings
        self.window = sliding_window(self.config)
        self.rotary = {
            kind: _rotary(max_seq_length, self.config["head_dim"], self.config[base])
            for kind, base in (("local", "rope_local_base_freq"), ("global", "rope_theta"))
        }
        graph = cached_graph(
            folder,
            cache_dir,
            precision=precision,
            activation_max=self._activation_max,
            progress=progress,
        )
        self.session = self._session(graph)

    def _session(self, graph: Path | bytes) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads or 0  # 0: one per physical core
        options.inter_op_num_threads = 1
        source = graph if isinstance(graph, bytes) else str(graph)
        try:
            return onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            where = graph if isinstance(graph, Path) else f"the {self.folder.name} graph"
            raise ModelError(f"ONNX Runtime could not load {where} ({exc}).", hint=HINT) from None

    def token_ids(self, text: str, *, query: bool) -> list[int]:
        prompt = self.prompts["query" if query else "document"]
        return self.tokenizer.encode(prompt + text).ids

    def feeds(self, text: str, *, query: bool) -> dict[str, np.ndarray]:
        """The graph's inputs for one text (see gemma_graph.py)."""
        ids = self.token_ids(text, query=query)
        n = len(ids)
        positions = np.arange(n)
        far = np.abs(positions[:, None] - positions[None, :]) >= self.window
        mask = np.where(far, np.float32(-np.inf), np.float32(0.0))
        feeds = {
            "x": self.embedding[ids].astype(np.float32) * self.scale,
            # one row per (token, query head), as the graph lays the heads out
            "sliding_mask": np.repeat(mask, self.config["num_attention_heads"], axis=0),
        }
        for kind, (cos, sin) in self.rotary.items():
            feeds[f"cos_{kind}"], feeds[f"sin_{kind}"] = cos[None, :n], sin[None, :n]
        return feeds

    def encode(self, text: str, *, query: bool) -> np.ndarray:
        return self.session.run(["y"], self.feeds(text, query=query))[0][0]

    def _activation_max(self) -> dict[str, np.ndarray]:
        """Per-channel max |input| of each product the int8 graph quantizes, measured on
        the float graph over the calibration questions (and all of them as one long text,
        so long queries are covered too)."""
        session = self._session(build_graph(self.folder, probes=True))
        names = [o.name for o in session.get_outputs() if o.name != "y"]
        peaks: dict[str, np.ndarray] = {}
        for text in (*QUESTIONS, " ".join(QUESTIONS)):
            values = session.run(names, self.feeds(text, query=True))
            for name, value in zip(names, values, strict=True):
                peak = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
                peaks[name] = np.maximum(peaks[name], peak) if name in peaks else peak
        return peaks


def _rotary(length: int, head_dim: int, base: float) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin tables of rotary position embeddings, one column per pair of dims."""
    inverse = 1.0 / (base ** (np.arange(0, head_dim, 2, dtype=np.float32) / head_dim))
    angles = np.arange(length, dtype=np.float32)[:, None] * inverse[None, :]
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
