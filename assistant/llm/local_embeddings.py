"""LangChain Embeddings over the local embedding model, on either runtime.

Both runtimes give the model's own prompts to queries and passages and return
L2-normalised float32 vectors. Passages are embedded longest first in slices of a few
batches, so padding stays small and a progress bar can follow a large job.

- `LocalOnnxEmbeddings` (default): EmbeddingGemma on ONNX Runtime (gemma_onnx.py), int8
  by default.
- `LocalSentenceEmbeddings`: any sentence-transformers model on PyTorch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant.config import Settings
from assistant.errors import ModelError
from assistant.models.specs import DEFAULT_EMBEDDER

PROGRESS_FROM = 64  # passages; smaller jobs embed silently


class LocalEmbeddings(Embeddings):
    """Batching, ordering and progress around a runtime's `_encode`."""

    def __init__(self, *, name: str, batch_size: int = 16, progress: bool = True) -> None:
        self.name = name
        self.batch_size = batch_size
        self.progress = progress

    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        raise NotImplementedError

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        step = self.batch_size * 4
        out: list[list[float] | None] = [None] * len(texts)
        bar = self._progress_bar() if self.progress and len(texts) >= PROGRESS_FROM else None
        task = bar.add_task(f"embedding with {self.name}", total=len(texts)) if bar else None
        try:
            if bar:
                bar.start()
            for start in range(0, len(order), step):
                ids = order[start : start + step]
                vectors = self._encode([texts[i] for i in ids], query=False).tolist()
                for i, vector in zip(ids, vectors, strict=True):
                    out[i] = vector
                if bar is not None and task is not None:
                    bar.advance(task, len(ids))
        finally:
            if bar:
                bar.stop()
        return [v for v in out if v is not None]

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text], query=True)[0].tolist()

    @staticmethod
    def _progress_bar() -> Progress:
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )


def unit_rows(vectors: Any) -> np.ndarray:
    """Rows normalised again in float32 (bfloat16 weights leave norms a little off 1)."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-12)


class LocalSentenceEmbeddings(LocalEmbeddings):
    """Embeddings over a SentenceTransformer-like `model` (encode_query/encode_document)."""

    def __init__(
        self, model: Any, *, name: str, batch_size: int = 16, progress: bool = True
    ) -> None:
        super().__init__(name=name, batch_size=batch_size, progress=progress)
        self.model = model

    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        encode = self.model.encode_query if query else self.model.encode_document
        vectors = encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return unit_rows(vectors)


class LocalOnnxEmbeddings(LocalEmbeddings):
    """Embeddings over a `GemmaOnnxEncoder` (one text at a time: no padding to waste)."""

    def __init__(self, encoder: Any, *, name: str, progress: bool = True) -> None:
        super().__init__(name=name, batch_size=4, progress=progress)
        self.encoder = encoder

    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        return unit_rows([self.encoder.encode(t, query=query) for t in texts])


def load_sentence_transformer(path: Path, settings: Settings) -> Any:
    """The local sentence-transformers model on CPU, with the hub switched off."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # before the import: nothing may try the network
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from sentence_transformers import SentenceTransformer

    if settings.embedder.threads:
        torch.set_num_threads(settings.embedder.threads)
    dtype = torch.bfloat16 if settings.embedder.dtype == "bfloat16" else torch.float32
    try:
        model = SentenceTransformer(
            str(path), device="cpu", local_files_only=True, model_kwargs={"torch_dtype": dtype}
        )
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"sentence-transformers could not load {path} ({exc}).",
            hint="Check embedder.model_path, or run `assistant models fetch embedder`.",
        ) from None
    model.max_seq_length = settings.embedder.max_seq_length
    return model


def local_embeddings(settings: Settings, path: Path, *, progress: bool = True) -> LocalEmbeddings:
    """The local embedder on the runtime the settings choose (embedder.runtime)."""
    name = settings.embedder.model or DEFAULT_EMBEDDER
    if settings.embedder.runtime == "onnx":
        from assistant.llm.gemma_onnx import GemmaOnnxEncoder

        encoder = GemmaOnnxEncoder(
            path,
            cache_dir=settings.paths.models / "onnx",
            precision=settings.embedder.onnx_precision,
            max_seq_length=settings.embedder.max_seq_length,
            threads=settings.embedder.threads,
            progress=progress,
        )
        return LocalOnnxEmbeddings(encoder, name=name, progress=progress)
    return LocalSentenceEmbeddings(
        load_sentence_transformer(path, settings),
        name=name,
        batch_size=settings.embedder.batch_size,
        progress=progress,
    )
