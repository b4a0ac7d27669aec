"""The paper's own sentence a list line or a summary note quotes (answer/notes.py)."""

from __future__ import annotations

from assistant.answer.notes import own_sentence
from assistant.retrieval.hits import ChunkHit


def chunk(section: str, text: str, language: str = "zh") -> ChunkHit:
    return ChunkHit("c1", "p1", section, language, text)


def test_what_the_paper_does_is_quoted_rather_than_the_gap_it_fills() -> None:
    chunks = [
        chunk("problem", "现有 KV 缓存压缩方法在长上下文中性能不佳。"),
        chunk("method", "提出 FreqKV，在频域内压缩 KV 缓存。"),
    ]
    assert own_sentence("KV 缓存压缩", chunks, "zh") == "提出 FreqKV，在频域内压缩 KV 缓存。"
    english = [
        chunk("abstract", "Existing KV cache compression methods often rely on eviction.", "en"),
        chunk("abstract", "We propose FreqKV, which compresses the KV cache in frequency.", "en"),
    ]
    assert own_sentence("KV cache compression", english, "en").startswith("We propose FreqKV")


def test_an_enumerator_left_at_the_end_of_a_sentence_is_dropped() -> None:
    chunks = [
        chunk("method", "SpecKV 针对 KV 缓存采用基于草稿模型的精确丢弃策略;2. SpecPC 压缩提示。")
    ]
    assert (
        own_sentence("KV 缓存", chunks, "zh") == "SpecKV 针对 KV 缓存采用基于草稿模型的精确丢弃策略"
    )
