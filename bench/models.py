"""The default local models on this machine: load times, embedder passages/s, chat
prompt-processing and decode tokens/s, time to first token for a ~1,000-token prompt with
and without the cached system prefix, and the peak RSS of one process holding both models.

Everything goes through the same factories as the app (`assistant.llm`). The models must
be fetched (`assistant models fetch`). Run it alone on the machine:

    flock /tmp/cpu-heavy.lock .venv/bin/python bench/models.py [--passages 32]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from assistant.config import load_settings  # noqa: E402
from assistant.digest import load_digests  # noqa: E402
from assistant.llm import count_prompt_tokens, make_chat_model, make_embeddings  # noqa: E402

RULES = (
    "You answer questions about a digest of AI research papers. Answer only from the "
    "numbered context below and cite the passages you use as [n]. If the context does not "
    "answer the question, say so. Answer in the language of the question.\n\nContext:\n"
)


def peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def abstracts() -> list[str]:
    settings = load_settings(env_file=None)
    papers = load_digests(settings.paths.digests).papers
    return [p.abstract for p in papers if p.abstract and len(p.abstract) >= 1000]


def fit(prefix: str, filler: str, model, settings, tokens: int, role=SystemMessage) -> str:
    """`prefix` plus as much of `filler` as keeps the message within `tokens` tokens."""
    low, high = 0, len(filler)
    while low < high:
        middle = (low + high + 1) // 2
        size = count_prompt_tokens(model, [role(prefix + filler[:middle])], settings)
        low, high = (middle, high) if size <= tokens else (low, middle - 1)
    return prefix + filler[:low]


def timed_stream(model, messages) -> tuple[float, float, int]:
    """(time to first token, total time, generated pieces) of one streamed answer."""
    start = time.perf_counter()
    first = None
    pieces = 0
    for chunk in model.stream(messages):
        if chunk.content:
            pieces += 1
            first = first or time.perf_counter()
    end = time.perf_counter()
    return (first or end) - start, end - start, pieces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=32)
    args = parser.parse_args()
    texts = abstracts()
    settings = load_settings(
        {"llm": {"backend": "local", "max_answer_tokens": 64, "temperature": 0.0}},
        env_file=None,
    )
    print(
        f"chat model: {settings.llm.model or 'qwen2.5-coder-1.5b-instruct'}, "
        f"n_ctx {settings.llm.context_size}; embedder: {settings.embedder.dtype}, "
        f"batch {settings.embedder.batch_size}, max_seq_length "
        f"{settings.embedder.max_seq_length}"
    )

    start = time.perf_counter()
    chat = make_chat_model(settings, fetch_missing=False, progress=False)
    print(f"chat model load: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    embeddings = make_embeddings(settings, fetch_missing=False, progress=False)
    print(f"embedder load (torch import included): {time.perf_counter() - start:.1f} s")

    batch = [t[:1000] for t in texts[: args.passages]]
    embeddings.embed_documents(batch[:2])  # warm-up
    start = time.perf_counter()
    embeddings.embed_documents(batch)
    rate = len(batch) / (time.perf_counter() - start)
    print(f"embedder: {rate:.1f} passages/s on {len(batch)} English passages of ~1,000 chars")

    # Prompt processing: a long prompt with nothing in common with the KV cache.
    filler = "\n".join(f"[{n}] {text}" for n, text in enumerate(texts, start=1))
    long_system = fit("Reading test.\n" + RULES, filler[20000:], chat, settings, 1500)
    messages = [SystemMessage(long_system), HumanMessage("Which paper is about agents?")]
    n_prompt = count_prompt_tokens(chat, messages, settings)
    ttft, _, _ = timed_stream(chat, messages)
    print(f"prompt processing: {n_prompt / ttft:.0f} tokens/s ({n_prompt} tokens in {ttft:.1f} s)")
    essay = [HumanMessage("Explain retrieval-augmented generation in about 150 words.")]
    ttft, total, pieces = timed_stream(chat, essay)
    print(f"decode: {(pieces - 1) / (total - ttft):.1f} tokens/s ({pieces} tokens)")

    # ~1,000-token prompts: the same ~600-token system prefix, then ~400 tokens of question.
    system = fit(RULES, filler, chat, settings, 600)
    prompts = []
    for k in range(3):
        question = f"Question {k}: which cited paper is closest to this abstract, and why?\n"
        other = texts[200 + k] * 3
        user = fit(question, other, chat, settings, 400, role=HumanMessage)
        prompts.append([SystemMessage(system), HumanMessage(user)])
    sizes = [count_prompt_tokens(chat, p, settings) for p in prompts]
    cold, _, _ = timed_stream(chat, prompts[0])  # shares nothing with the KV cache
    warm = [timed_stream(chat, p)[0] for p in prompts[1:]]  # the same system prefix
    print(
        f"time to first token, {sizes[1]}-token prompt: {cold:.1f} s cold, "
        f"{min(warm):.1f} s with the {count_prompt_tokens(chat, [SystemMessage(system)], settings)}"
        "-token system prefix cached"
    )
    print(f"peak RSS with both models loaded and used: {peak_rss_mb()} MB")

    # Alternating prompts (e.g. another task's prompt in between): what the RAM cache adds.
    other = [
        SystemMessage("Rewrite the question as a standalone search query."),
        HumanMessage("and what about its datasets?"),
    ]
    for cache_mb in (0, 256):
        del chat
        gc.collect()
        chat = make_chat_model(
            load_settings(
                {
                    "llm": {
                        "backend": "local",
                        "max_answer_tokens": 16,
                        "temperature": 0.0,
                        "prompt_cache_mb": cache_mb,
                    }
                },
                env_file=None,
            ),
            fetch_missing=False,
            progress=False,
        )
        timed_stream(chat, prompts[0])
        timed_stream(chat, other)
        after_other, _, _ = timed_stream(chat, prompts[1])
        print(
            f"prompt_cache_mb={cache_mb}: time to first token after an unrelated prompt: "
            f"{after_other:.1f} s"
        )


if __name__ == "__main__":
    main()
