"""The one Settings object: every knob of the assistant, documented, in nested sections.

Precedence, highest first: explicit overrides (CLI flags, `--set section.field=value`),
environment variables (`ASSISTANT_SECTION__FIELD`), a `.env` file, then the defaults here.
Build it once per entry point with `load_settings()` and pass it down.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_cache_dir, user_data_dir
from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "digest-assistant"
# A checkout (or an editable install) keeps prompts, the bundled digest and the default index
# at its top level; an installed wheel carries the first two in the package (assistant/_data)
# and keeps its index in the user's data folder.
IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "prompts").is_dir()
SHIPPED = PROJECT_ROOT if IN_CHECKOUT else Path(__file__).resolve().parent / "_data"


def _default_vectorstore() -> Path:
    if IN_CHECKOUT:
        return PROJECT_ROOT / "vectorstore"
    return Path(user_data_dir(APP_NAME)) / "vectorstore"


class PathSettings(BaseModel):
    """Where data, prompts, the index and the model cache live."""

    digests: list[Path] = Field(
        default_factory=lambda: [SHIPPED / "data" / "digests"],
        description="Digest files or folders read by default (the bundled sample digest).",
    )
    vectorstore: Path = Field(
        default_factory=_default_vectorstore,
        description="Folder of the persistent Chroma index and its lexical twin.",
    )
    prompts: Path = Field(
        default=SHIPPED / "prompts", description="Folder of the prompt template files."
    )
    models: Path = Field(
        default_factory=lambda: Path(user_cache_dir(APP_NAME)) / "models",
        description="Cache folder for verified local model files (outside the repository).",
    )
    conversations: Path = Field(
        default_factory=lambda: Path(user_data_dir(APP_NAME)) / "conversations.sqlite3",
        description=(
            "SQLite file of the kept conversations (web chat, `assistant chat`, the HTTP API): "
            "every turn with its answer result and its 👍/👎 feedback, per login."
        ),
    )


class LLMSettings(BaseModel):
    """The chat model that writes answers and summaries."""

    backend: Literal["auto", "local", "openai", "openai-compatible", "fake"] = Field(
        default="auto",
        description=(
            "Which chat backend to use. 'auto' picks 'openai-compatible' when base_url is set, "
            "'openai' when OPENAI_API_KEY is set, else the offline 'local' model."
        ),
    )
    model: str = Field(
        default="",
        description=(
            "Model name. Empty means the backend's default: 'qwen2.5-coder-1.5b-instruct' "
            "(local) or 'gpt-4o-mini' (openai). Required for 'openai-compatible'."
        ),
    )
    model_path: Path | None = Field(
        default=None,
        description="A GGUF file to use for the local backend instead of the fetched model.",
    )
    base_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="API key for the OpenAI-compatible server (if it needs one)."
    )
    context_size: int = Field(
        default=4096, ge=512, description="Context window in tokens (local model: n_ctx)."
    )
    max_answer_tokens: int = Field(
        default=512, ge=16, description="Upper bound on tokens generated for one answer."
    )
    temperature: float = Field(default=0.1, ge=0, le=2, description="Sampling temperature.")
    seed: int = Field(
        default=0,
        ge=0,
        description=(
            "Sampling seed of the local model, used for every reply: the same prompt gets the "
            "same answer, so evaluation runs are repeatable."
        ),
    )
    threads: int | None = Field(
        default=None, ge=1, description="CPU threads for the local model (default: all cores)."
    )
    local_mode: Literal["in-process", "server"] = Field(
        default="in-process",
        description=(
            "Run the local GGUF inside this process, or as a llama.cpp OpenAI-compatible "
            "server on 127.0.0.1 started and stopped with the assistant."
        ),
    )
    timeout_s: float = Field(
        default=120.0,
        gt=0,
        description=(
            "Per-request time limit, seconds: a remote request times out, a local reply still "
            "being written is stopped."
        ),
    )
    max_retries: int = Field(
        default=2, ge=0, description="Retries with backoff on transient backend errors."
    )
    repeat_penalty: float = Field(
        default=1.1, ge=1.0, le=2.0, description="Penalty on repeated tokens (local model)."
    )
    prompt_cache_mb: int = Field(
        default=0,
        ge=0,
        description=(
            "RAM for saved prompt states of the local model (llama.cpp's LlamaRAMCache), so a "
            "prefix seen before is not evaluated again even after other prompts ran. Each "
            "saved state also copies the logits buffer (measured: +1.3 GB peak RSS, and "
            "seconds at the end of each answer). 0 keeps only the previous prompt's prefix, "
            "which is always reused."
        ),
    )
    server_start_timeout_s: float = Field(
        default=120.0, gt=0, description="How long to wait for the local llama.cpp server."
    )


class EmbedderSettings(BaseModel):
    """The embedding model used to index chunks and embed queries."""

    backend: Literal["local", "openai", "openai-compatible", "fake"] = Field(
        default="local",
        description="Embedding backend. Changing it requires `assistant ingest --rebuild`.",
    )
    model: str = Field(
        default="",
        description=(
            "Embedding model name. Empty means the backend's default: 'embeddinggemma-300m' "
            "(local) or 'text-embedding-3-small' (openai)."
        ),
    )
    model_path: Path | None = Field(
        default=None,
        description="A sentence-transformers folder to use instead of the fetched embedder.",
    )
    runtime: Literal["onnx", "sentence-transformers"] = Field(
        default="onnx",
        description=(
            "How the local embedder runs: 'onnx' (ONNX Runtime, EmbeddingGemma only; about "
            "2.4x faster per query on a small CPU and no PyTorch at run time) or "
            "'sentence-transformers' (PyTorch; any sentence-transformers folder). With "
            "embedder.onnx_precision=float32 both give the same vectors, so switching needs "
            "no rebuild."
        ),
    )
    onnx_precision: Literal["int8", "float32"] = Field(
        default="int8",
        description=(
            "Precision of the onnx runtime's graph, for queries and passages alike. int8 "
            "embeds 1.4-1.6x faster on a small CPU with the same measured retrieval quality "
            "(vectors within cosine ~0.998 of float32, which matches sentence-transformers). "
            "Recorded in the index: changing it needs `assistant ingest --rebuild`."
        ),
    )
    base_url: str | None = Field(
        default=None, description="Base URL of an OpenAI-compatible /v1/embeddings server."
    )
    api_key: SecretStr | None = Field(default=None, description="API key for that server.")
    batch_size: int = Field(
        default=4,
        ge=1,
        description=(
            "Passages the sentence-transformers runtime encodes at once (4 measured fastest on "
            "2 CPU cores; passages are sorted by length first; the onnx runtime encodes one at "
            "a time). Remote servers get at least 64 per request."
        ),
    )
    dtype: Literal["float32", "bfloat16"] = Field(
        default="float32",
        description=(
            "Weights' precision for the sentence-transformers runtime. bfloat16 is faster only "
            "on CPUs with native bf16 (AVX512-BF16/AMX); on AVX2-only CPUs it is several "
            "times slower."
        ),
    )
    max_seq_length: int = Field(
        default=512,
        ge=32,
        le=2048,
        description="Tokens of a passage the local embedder reads; longer ones are cut.",
    )
    threads: int | None = Field(
        default=None,
        ge=1,
        description="CPU threads for the local embedder (default: one per core).",
    )
    timeout_s: float = Field(default=60.0, gt=0, description="Per-request timeout, seconds.")
    max_retries: int = Field(
        default=2, ge=0, description="Retries with backoff on transient server errors."
    )


class IndexSettings(BaseModel):
    """Chunking and the Chroma store."""

    collection: str = Field(
        default="digest", min_length=3, description="Chroma collection name (3+ characters)."
    )
    chroma_host: str | None = Field(
        default=None,
        description="Host of a Chroma server (`chroma run`). Empty means the local folder.",
    )
    chroma_port: int = Field(default=8000, description="Port of the Chroma server.")
    chunk_tokens: int = Field(
        default=400,
        ge=64,
        description=(
            "Upper bound on a chunk's size in tokens (tiktoken), context line included; "
            "longer texts are split on sentence boundaries. Changing it needs a rebuild."
        ),
    )
    zh_fields_per_chunk: int = Field(
        default=2,
        ge=1,
        le=6,
        description=(
            "How many of the six short Chinese fields of an untitled paper share one chunk "
            "(within chunk_tokens; problem and method come first). Changing it needs a rebuild."
        ),
    )
    dense_scope: Literal["core", "all"] = Field(
        default="core",
        description=(
            "Which chunks are embedded: the 'core' ones (a summary's start, an untitled "
            "paper's problem and method; everything is searched by BM25), about five times "
            "faster to ingest, or 'all'. The next `assistant ingest` applies a change "
            "without a rebuild."
        ),
    )
    ef_search: int = Field(
        default=400,
        ge=10,
        description=(
            "Candidates Chroma's HNSW graph explores per dense search. Chroma's default, 100, "
            "missed some exact top-10 neighbours of the bundled index (1-4 in 60 queries, "
            "varying between processes); 400 found them all at no measurable cost. Applied "
            "to an existing index when it is opened; no rebuild."
        ),
    )
    model_names: bool = Field(
        default=True,
        description=(
            "Name the papers whose text introduces no method name with the chat model at "
            "ingest (once per paper, cached in the index; the bundled digest ships its names). "
            "Off: such papers are named by a phrase cut from their text."
        ),
    )
    stem_english: bool = Field(
        default=False,
        description="Stem English words for BM25 (Snowball). Changing it needs a rebuild.",
    )


class RetrievalSettings(BaseModel):
    """How chunks are found and ranked."""

    k: int = Field(default=5, ge=1, le=100, description="Papers returned by a search.")
    candidates: int = Field(
        default=40, ge=5, description="Chunks fetched from each retriever before fusion."
    )
    rerank: bool = Field(
        default=False, description="Rerank the top papers with the chat model as a judge."
    )
    fusion: Literal["scores", "weighted-rrf", "rrf"] = Field(
        default="scores",
        description=(
            "How dense and BM25 rankings are combined: a weighted sum of per-query normalized "
            "scores (best measured), reciprocal rank fusion with weights, or plain RRF."
        ),
    )
    dense_weight: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Share of the dense ranking in the fusion (BM25 gets the rest).",
    )
    rrf_k: int = Field(default=60, ge=1, description="The k constant of reciprocal rank fusion.")
    chunks_per_paper: int = Field(
        default=3, ge=1, description="Matching chunks returned with each paper, best first."
    )
    rerank_candidates: int = Field(default=8, ge=2, description="Top papers the reranker judges.")
    rerank_budget_s: float = Field(
        default=6.0,
        gt=0,
        description="Time budget of one rerank; papers not judged in time keep their place.",
    )


class AnswerSettings(BaseModel):
    """How answers are written and checked."""

    papers: int = Field(
        default=4, ge=1, le=8, description="Retrieved papers given to the model as sources."
    )
    relative_score: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="A retrieved paper becomes a source only when its score is at least this "
        "share of the best paper's (the best one always is): fewer, better sources.",
    )
    retrieve_papers: int = Field(
        default=10,
        ge=1,
        le=50,
        description="Papers retrieved per question (all are reported; the first `papers` "
        "become the sources).",
    )
    paper_tokens: int = Field(
        default=300,
        ge=60,
        description="Most tokens of one paper in the sources: the small local model answers "
        "better from a few relevant sentences than from a whole paper.",
    )
    context_tokens: int = Field(
        default=800,
        ge=200,
        description=(
            "Token budget for the sources (also capped by llm.context_size minus the answer "
            "and the prompt): the local model reads about 130 tokens/s."
        ),
    )
    min_similarity: float = Field(
        default=0.0,
        description=(
            "Abstain without calling the model when the best paper's dense similarity is "
            "below this and no lexical match is strong (tuned on the dev set)."
        ),
    )
    min_lexical: float = Field(
        default=0.0, description="A best BM25 score at or above this keeps the question answerable."
    )
    min_support: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="Share of a sentence's terms a source must contain for a citation to stand.",
    )
    second_look_similarity: float = Field(
        default=0.45,
        description=(
            "When the model says the sources lack the answer but the best paper's dense "
            "similarity is at least this, it is asked to read them once more; that second "
            "answer stands only if every sentence is supported and every number grounded. "
            "Above 1 turns the second look off."
        ),
    )
    language_retry: bool = Field(
        default=True, description="Ask once more when the answer is not in the question's language."
    )
    topic_check_similarity: float = Field(
        default=0.42,
        description=(
            "Dense similarity at which a source summarised only in Chinese may be what an "
            "English question describes in other words, so a question word no paper has is no "
            "reason to decline (answer/absent_topic.py; calibrated for the default embedder)."
        ),
    )
    list_papers: int = Field(
        default=12, ge=1, le=30, description="Most papers a list answer names."
    )
    list_pool: int = Field(
        default=40, ge=5, le=100, description="Papers retrieved for a list answer before the cut."
    )
    list_relative_score: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description=(
            "A paper must reach this share of the first paper's combined score (relative "
            "retrieval score plus weighted key-term coverage) to be listed "
            "(retrieval/relevance.py TopicCut; measured on the dev set's list questions)."
        ),
    )
    list_key_weight: float = Field(
        default=1.5,
        ge=0,
        description="Weight of a paper's coverage of the topic's rare terms in its list score.",
    )
    list_rare_share: float = Field(
        default=0.02,
        gt=0,
        le=1,
        description=(
            "A topic word found in at most this share of the papers is a key term: papers "
            "that contain it are considered even when retrieval missed them."
        ),
    )
    list_min_key_coverage: float = Field(
        default=0.45,
        ge=0,
        le=1,
        description="Key-term coverage of one paper that shows the digest has the topic.",
    )
    list_min_coverage: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Coverage of all the topic's words by one paper that shows the digest has it.",
    )
    list_outside_coverage: float = Field(
        default=0.51,
        ge=0,
        le=1,
        description=(
            "Coverage of all the topic's words a paper outside the retrieved pool needs to be "
            "listed for its rare words ('binary' rewards are no 'binary (1-bit) weights')."
        ),
    )
    list_min_similarity: float = Field(
        default=0.5,
        description=(
            "Dense similarity of the best paper that shows the digest has the topic, when "
            "no key term of it is missing from the whole digest."
        ),
    )
    list_sure_similarity: float = Field(
        default=0.6, description="Dense similarity that shows the digest has the topic in any case."
    )
    list_facet_share: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description=(
            "A list topic in parts ('RL to train diffusion LMs'): a paper must be at least "
            "this share as close to each part as the closest listed paper (0: off, the "
            "default: 0.6 raised precision on the dev lists and cost completeness on the "
            "held-out ones)."
        ),
    )
    list_notes: Literal["own-words", "model"] = Field(
        default="own-words",
        description=(
            "Each listed paper's sentence: its own sentence that best fits the topic, in the "
            "question's language (instant; the model writes one only when the paper has none "
            "in that language), or the model's (one short prompt per paper, checked)."
        ),
    )
    min_cross_similarity: float = Field(
        default=0.5,
        ge=-1,
        le=1,
        description=(
            "Embedding similarity at which a source in the other language supports a sentence "
            "that shares too few terms with it (English answers from Chinese summaries)."
        ),
    )


class SummarySettings(BaseModel):
    """Topic summaries."""

    max_papers: int = Field(default=8, ge=1, le=30, description="Most papers in one report.")
    min_papers: int = Field(
        default=2, ge=1, description="Fewer relevant papers than this gives a short honest report."
    )
    min_similarity: float = Field(
        default=0.5,
        description=(
            "Dense similarity to the topic that counts as evidence of relevance on its own "
            "(a topic nothing matches gets the short honest report)."
        ),
    )
    min_lexical: float = Field(
        default=4.0,
        ge=0,
        description="BM25 score that counts as evidence of relevance on its own.",
    )
    relative_score: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description=(
            "A paper with evidence must reach this share of the best one's fused retrieval "
            "score to be kept (cut measured on the dev set's multi-paper questions)."
        ),
    )
    note_tokens: int = Field(
        default=220, ge=60, description="Tokens of each paper's text read for its note."
    )
    max_themes: int = Field(default=3, ge=1, le=6, description="Most themes in one report.")
    theme_similarity: float = Field(
        default=0.55,
        ge=-1,
        le=1,
        description="Papers whose descriptions are at least this similar share a theme.",
    )


class EvalSettings(BaseModel):
    """Evaluation runs."""

    judge_backend: Literal["none", "openai", "openai-compatible", "fake"] = Field(
        default="none",
        description="Chat model that judges faithfulness of answers (off by default).",
    )
    judge_model: str = Field(default="", description="Judge model name (e.g. gpt-4o-mini).")
    judge_base_url: str | None = Field(
        default=None, description="Base URL of the judge's OpenAI-compatible server."
    )
    judge_api_key: SecretStr | None = Field(default=None, description="API key for the judge.")


class WebSettings(BaseModel):
    """The Gradio web chat."""

    host: str = Field(default="127.0.0.1", description="Interface to bind; loopback by default.")
    port: int = Field(default=7860, description="Port of the web chat.")
    concurrency: int = Field(
        default=1,
        ge=1,
        description=(
            "Answers and summaries generated at the same time, by the web chat and the HTTP API "
            "together; others wait in a queue."
        ),
    )
    auth: list[SecretStr] = Field(
        default_factory=list,
        description=(
            "Logins as 'user:password' for the web chat and the HTTP API (secret: never shown "
            "or written); each login keeps its own conversations. Empty: no login."
        ),
    )
    time_limit_s: float = Field(
        default=300.0,
        gt=0,
        description="Most seconds one answer or summary may take before it is stopped.",
    )


class ApiSettings(BaseModel):
    """The HTTP API that `assistant serve` runs beside the web chat, and how the other
    commands reach it."""

    use_server: bool = Field(
        default=True,
        description=(
            "When a running `assistant serve` holds the local index, `ask`, `search`, "
            "`summarize`, `eval run` and `ingest` go through its HTTP API (the server's "
            "settings then apply). Off: they stop with the 'index in use' message."
        ),
    )
    token: SecretStr | None = Field(
        default=None,
        description=(
            "The login ('user:password', one of the server's --auth logins) the commands send "
            "as a bearer token to a running `assistant serve` that requires a login (secret: "
            "never shown or written)."
        ),
    )


class Settings(BaseSettings):
    """Every setting of the digest assistant."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    paths: PathSettings = Field(default_factory=PathSettings, description="Files and folders.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="The chat model.")
    embedder: EmbedderSettings = Field(
        default_factory=EmbedderSettings, description="The embedding model."
    )
    index: IndexSettings = Field(default_factory=IndexSettings, description="The index.")
    retrieval: RetrievalSettings = Field(
        default_factory=RetrievalSettings, description="Retrieval."
    )
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answers.")
    summary: SummarySettings = Field(
        default_factory=SummarySettings, description="Topic summaries."
    )
    eval: EvalSettings = Field(default_factory=EvalSettings, description="Evaluation runs.")
    web: WebSettings = Field(default_factory=WebSettings, description="The web chat.")
    api: ApiSettings = Field(
        default_factory=ApiSettings, description="The HTTP API and the way commands reach it."
    )
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY"),
        description="OpenAI API key; when set and llm.backend is 'auto', OpenAI is used.",
    )

    def resolved_llm_backend(self) -> str:
        """The chat backend that 'auto' stands for with the current settings."""
        if self.llm.backend != "auto":
            return self.llm.backend
        if self.llm.base_url:
            return "openai-compatible"
        if self.openai_api_key is not None:
            return "openai"
        return "local"


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn `section.field=value` strings into the nested dict Settings accepts.

    Values are read as JSON when they parse (numbers, booleans, lists), else as text.
    """
    nested: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"The override {pair!r} is not of the form section.field=value.",
                hint="Example: --set retrieval.k=8 or --set llm.backend=fake.",
            )
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        node = nested
        *parents, leaf = key.strip().split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"The override {pair!r} conflicts with another --set.")
        node[leaf] = value
    return nested


def load_settings(
    overrides: dict[str, Any] | None = None, *, env_file: Path | str | None = ".env"
) -> Settings:
    """Build the Settings once for an entry point; invalid values become a ConfigError."""
    try:
        return Settings(_env_file=env_file, **(overrides or {}))  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(
            f"Invalid settings: {problems}.",
            hint=(
                "Fix the matching ASSISTANT_* environment variable, .env entry or --set "
                "option (`assistant config show` lists every setting)."
            ),
        ) from None


_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@/\s]+@")


def public_url(url: str | None) -> str:
    """A URL fit to show or log: a password inside it (user:password@host) masked."""
    return _URL_PASSWORD.sub(r"\1****@", url or "")


def describe_settings(settings: Settings) -> dict[str, Any]:
    """The resolved settings as plain data, with every secret masked (passwords inside
    URLs included)."""

    def mask(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return "********" if value.get_secret_value() else ""
        if isinstance(value, str) and "://" in value:
            return public_url(value)
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        if isinstance(value, Path):
            return str(value)
        return value

    data = mask(settings.model_dump())
    data["llm"]["resolved_backend"] = settings.resolved_llm_backend()
    return data
