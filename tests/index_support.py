"""Small digests written on the fly for the index and retrieval tests, and helpers to use them.

Five untitled papers (format B) in two categories and two titled ones (format A), on
clearly different topics, so that the fake embedder and BM25 both have something to find.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.config import Settings, load_settings
from assistant.digest import load_digests
from assistant.fakes import FakeEmbeddings
from assistant.index.ingest import IngestReport, ingest
from assistant.index.store import IndexStore
from assistant.llm import make_token_counter
from assistant.retrieval import Retriever, open_retriever

FIELD_EMOJI = (
    "🎯 研究动机",
    "❓ 解决问题",
    "🔍 现象分析",
    "🛠️ 主要方法",
    "📊 数据与实验",
    "⭐ 主要贡献",
)

PAPERS_B: list[dict[str, Any]] = [
    {
        "category": "效率与压缩",
        "sub": "推理加速",
        "tags": ["KV cache", "long context"],
        "tldr": "Compress the KV cache by 4x with no accuracy loss.",
        "fields": [
            "长上下文推理时 KV 缓存占用大量显存。",
            "如何在不损失精度的情况下压缩 KV 缓存。",
            "注意力头中大量 token 的贡献很小。",
            "提出KVZip框架,按重要性淘汰缓存条目。",
            "在 LongBench 上内存降低 4 倍,精度下降不足 0.5%。",
            "给出一种无需训练的 KV 缓存压缩方法。",
        ],
        "abstract": (
            "Long-context inference is bottlenecked by the memory of the key-value cache. "
            "We propose KVZip, a training-free method that evicts unimportant cache entries. "
            "On LongBench, KVZip reduces memory by 4x with less than 0.5% accuracy loss."
        ),
    },
    {
        "category": "效率与压缩",
        "sub": "量化",
        "tags": ["quantization"],
        "tldr": None,
        "fields": [
            "低比特量化会损害推理能力。",
            "研究量化对推理模型的影响。",
            "4 比特以下精度显著下降。",
            "系统评测多种权重与激活量化方法。",
            "在 MATH 与 GSM8K 上评测。",
            "给出量化推理模型的实践建议。",
        ],
        "abstract": (
            "Quantization reduces the cost of serving reasoning models, but its effect on "
            "multi-step reasoning is unclear. We study weight and activation quantization "
            "across bit widths and find that accuracy collapses below 4 bits."
        ),
    },
    {
        "category": "指令微调与对齐",
        "sub": "安全对齐",
        "tags": ["safety alignment", "fine-tuning"],
        "tldr": None,
        "fields": [
            "大语言模型的安全对齐在微调过程中容易受损。",
            "解决微调期间安全行为退化的问题。",
            "即使在良性数据上微调,拒绝有害请求的能力也会下降。",
            "提出GuardSpace框架,通过零空间投影限制适配器更新。",
            "在 Llama-2-7B-Chat 上将有害得分从 14.4% 降至 3.6%。",
            "在微调中保留安全行为并提升任务性能。",
        ],
        "abstract": (
            "Safety alignment of large language models is fragile during fine-tuning. "
            "We propose GuardSpace, which decomposes weights with a covariance-preconditioned "
            "SVD and projects adapter updates onto a null space of harmful prompts. "
            "GuardSpace reduces the harmful score from 14.4% to 3.6% on Llama-2-7B-Chat."
        ),
    },
    {
        "category": "Agent 与工具使用",
        "sub": "网页智能体",
        "tags": ["web agent", "tool use"],
        "tldr": "A browsing agent that plans searches and reads pages to answer hard questions.",
        "fields": [
            "复杂问题需要智能体多次搜索网页。",
            "如何让智能体规划搜索并阅读网页。",
            "现有智能体常在长轨迹中迷失。",
            "提出WebPilot,用分层规划器调用搜索与浏览工具。",
            "在 GAIA 与 BrowseComp 上超越基线 12 个百分点。",
            "给出开源的网页智能体训练流程。",
        ],
        "abstract": (
            "Answering hard questions often requires many web searches. We present WebPilot, "
            "a hierarchical planner that calls search and browsing tools. WebPilot improves on "
            "GAIA and BrowseComp by 12 points over strong baselines."
        ),
    },
    {
        "category": "推理与思维链",
        "sub": "高效推理",
        "tags": ["chain of thought", "reasoning length"],
        "tldr": None,
        "fields": [
            "推理模型的思维链往往过长。",
            "如何在保持准确率的同时缩短思维链。",
            "许多推理步骤是重复的自我验证。",
            "提出ShortCoT,用长度惩罚的强化学习训练模型。",
            "在 AIME 上保持准确率的同时将推理长度减少 45%。",
            "证明更短的思维链同样可靠。",
        ],
        "abstract": (
            "Reasoning models think for too long. We propose ShortCoT, reinforcement learning "
            "with a length penalty, which cuts reasoning length by 45% on AIME at equal "
            "accuracy."
        ),
    },
]

PAPERS_A: list[dict[str, str]] = [
    {
        "title": "Speculative Decoding with Tiny Drafts",
        "title_zh": "用微型草稿模型做推测解码",
        "link": "https://arxiv.org/abs/2501.00001",
        "summary": (
            "我们提出 TinyDraft，一种用 50M 参数草稿模型加速大模型推理的推测解码方法。"
            "草稿模型先生成多个候选 token，目标模型一次并行验证。"
            "在 MT-Bench 上实现 2.8 倍加速，且输出分布不变。"
        ),
    },
    {
        "title": "Sliding Tile Attention for Fast Video Diffusion",
        "title_zh": "滑动瓦片注意力加速视频扩散",
        "link": "https://arxiv.org/abs/2501.00002",
        "summary": (
            "视频扩散模型的三维注意力计算代价很高。"
            "我们提出滑动瓦片注意力，只在局部三维窗口内计算注意力。"
            "在 HunyuanVideo 上端到端延迟从 945 秒降到 685 秒，无需重新训练。"
        ),
    },
]


def format_b(papers: list[dict[str, Any]]) -> str:
    """Format B text for `papers`, grouped by category in the order given."""
    lines: list[str] = []
    categories = list(dict.fromkeys(p["category"] for p in papers))
    for category in categories:
        group = [p for p in papers if p["category"] == category]
        lines.append(f"{category}{len(group)} 篇")
        for paper in group:
            lines += [
                "基础/前沿模型 (含LLM)",
                paper["sub"],
                " ".join(f"#{t}" for t in paper["tags"]),
            ]
            if paper.get("tldr"):
                lines.append(f"TL;DR:{paper['tldr']}")
            lines += [
                f"{label}{text}" for label, text in zip(FIELD_EMOJI, paper["fields"], strict=True)
            ]
            lines += ["查看完整摘要 (Abstract)", paper["abstract"]]
    return "\n".join(lines) + "\n"


def format_a(papers: list[dict[str, str]]) -> str:
    return "\n".join(
        f"## {p['title']}\n[{p['title_zh']}]({p['link']})\n\n{p['summary']}\n" for p in papers
    )


def write_digests(folder: Path, papers_b=None, papers_a=None) -> tuple[Path, Path]:
    """Write digest_b.txt and digest_a.md into `folder`; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    b, a = folder / "digest_b.txt", folder / "digest_a.md"
    b.write_text(format_b(PAPERS_B if papers_b is None else papers_b), encoding="utf-8")
    a.write_text(format_a(PAPERS_A if papers_a is None else papers_a), encoding="utf-8")
    return b, a


def index_settings(tmp_path: Path, **sections: dict[str, Any]) -> Settings:
    """Settings with the fake embedder and the index in `tmp_path/vectorstore`.

    The fake embedder's vectors are hashed words: a weak signal across languages, so the
    tests weigh dense and BM25 the same instead of the default tuned on the real model.
    """
    overrides: dict[str, Any] = {
        "paths": {"vectorstore": str(tmp_path / "vectorstore")},
        "embedder": {"backend": "fake"},
        "retrieval": {"dense_weight": 0.5},
    }
    for section, values in sections.items():
        overrides.setdefault(section, {}).update(values)
    return load_settings(overrides, env_file=None)


def ingest_into(
    store: IndexStore, settings: Settings, paths, embeddings=None, **kwargs: Any
) -> IngestReport:
    """Ingest `paths` into an open store (fake embedder unless given one)."""
    return ingest(
        settings,
        load_digests(list(paths)),
        store=store,
        embeddings=embeddings if embeddings is not None else FakeEmbeddings(),
        counter=make_token_counter(settings),
        **kwargs,
    )


def run_ingest(settings: Settings, paths, embeddings=None, **kwargs: Any) -> IngestReport:
    """Ingest `paths` into the settings' index, opened and closed around it."""
    with IndexStore.open(settings) as store:
        return ingest_into(store, settings, paths, embeddings, **kwargs)


def open_test_retriever(settings: Settings, embeddings=None, chat_model=None) -> Retriever:
    """A retriever on the settings' index; close it with `retriever.store.close()`."""
    store = IndexStore.open(settings)
    try:
        return open_retriever(
            settings,
            store,
            embeddings or FakeEmbeddings(),
            chat_model=chat_model,
            counter=make_token_counter(settings),
        )
    except BaseException:
        store.close()
        raise
