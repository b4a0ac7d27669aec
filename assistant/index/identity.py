"""The index identity: how an index was built, recorded with it and checked on every open.

Vectors from one embedder mean nothing to another, and chunks cut one way do not match
hashes computed another way; so an index records its embedder, vector dimension,
chunking and tokenization parameters and a schema version, and an index built differently
is refused with the command that rebuilds it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from assistant.config import Settings
from assistant.errors import IndexStateError
from assistant.index.chunking import ChunkingParams
from assistant.index.lexical import LexicalParams

SCHEMA_VERSION = 1
REBUILD_HINT = "Run `assistant ingest --rebuild` to rebuild the index with the current settings."
INT8 = "+int8"  # suffix of the local embedder's identity when its graph is int8


@dataclass(frozen=True)
class IndexIdentity:
    """What an index was built with. `dimension` is 0 until the first vector is known."""

    schema_version: int
    embedder: str
    dimension: int
    chunking: str
    lexical: str

    def to_metadata(self) -> dict[str, Any]:
        return {f"identity_{k}": v for k, v in asdict(self).items()}

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any] | None) -> IndexIdentity | None:
        if not metadata or "identity_embedder" not in metadata:
            return None
        values = {f.name: metadata.get(f"identity_{f.name}") for f in fields(cls)}
        values["schema_version"] = int(values["schema_version"] or 0)
        values["dimension"] = int(values["dimension"] or 0)
        return cls(**values)

    def differences(self, other: IndexIdentity) -> list[str]:
        """Human-readable differences, ignoring a dimension not yet known on either side."""
        out = []
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "dimension" and (not mine or not theirs):
                continue
            if mine != theirs:
                out.append(
                    f"{f.name.replace('_', ' ')}: index has {mine!r}, now expected {theirs!r}"
                )
        return out


def embedder_identity(settings: Settings) -> str:
    """The embedder as the settings name it: backend, model and model file, and int8 when
    the local ONNX graph is quantized (float32 on either runtime gives the same vectors)."""
    emb = settings.embedder
    name = f"{emb.backend}/{emb.model or 'default'}"
    if emb.model_path:
        name += f"@{emb.model_path}"
    if emb.base_url:
        name += f"@{emb.base_url}"
    if emb.backend == "local" and emb.runtime == "onnx" and emb.onnx_precision == "int8":
        name += INT8
    return name


def chunking_params(settings: Settings) -> ChunkingParams:
    return ChunkingParams(
        max_tokens=settings.index.chunk_tokens,
        zh_fields_per_chunk=settings.index.zh_fields_per_chunk,
        dense=settings.index.dense_scope,
    )


def lexical_params(settings: Settings) -> LexicalParams:
    return LexicalParams(stem=settings.index.stem_english)


def expected_identity(settings: Settings, dimension: int = 0) -> IndexIdentity:
    """The identity an index built with these settings has (dimension 0: not yet known)."""
    return IndexIdentity(
        schema_version=SCHEMA_VERSION,
        embedder=embedder_identity(settings),
        dimension=dimension,
        chunking=chunking_params(settings).describe(),
        lexical=lexical_params(settings).describe(),
    )


def _hint(found: IndexIdentity, expected: IndexIdentity) -> str:
    """The rebuild command, and the setting that keeps the index when all that differs is
    the local embedder's precision (a rebuild takes minutes, the setting none)."""
    other_precision = found.embedder != expected.embedder and found.embedder.removesuffix(
        INT8
    ) == expected.embedder.removesuffix(INT8)
    as_if_same = replace(expected, embedder=found.embedder)
    if not other_precision or found.differences(as_if_same):
        return REBUILD_HINT
    precision = "int8" if found.embedder.endswith(INT8) else "float32"
    runtime = " (with embedder.runtime=onnx)" if precision == "int8" else ""
    return (
        f"{REBUILD_HINT} Or keep this index, embedded in {precision}: set "
        f"embedder.onnx_precision={precision}{runtime}."
    )


def check_identity(found: IndexIdentity | None, expected: IndexIdentity, location: str) -> None:
    """Raise IndexStateError unless the index at `location` was built like `expected`."""
    if found is None:
        raise IndexStateError(
            f"The index at {location} has no identity record (it was not built by "
            "`assistant ingest`, or by an older version).",
            hint=REBUILD_HINT,
        )
    problems = found.differences(expected)
    if problems:
        raise IndexStateError(
            f"The index at {location} was built differently ({'; '.join(problems)}).",
            hint=_hint(found, expected),
        )
