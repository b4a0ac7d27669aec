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


def test_a_sentence_holding_a_link_is_no_note() -> None:
    chunks = [
        chunk("summary", "我们提出 QuEST，用 1 位权重稳定训练大语言模型。"),
        chunk("summary", "我们的 1 位权重训练代码可以在https://github.com/IST-DASLab/QuEST获得。"),
    ]
    assert own_sentence("1 位权重训练代码", chunks, "zh") == chunks[0].text


def test_a_paper_with_no_sentence_in_the_readers_language_is_noted_by_its_title() -> None:
    from assistant.answer.notes import NoteWriter
    from assistant.digest.model import Paper
    from assistant.fakes import ScriptedChatModel
    from assistant.retrieval.hits import PaperHit

    paper = Paper(
        paper_id="2502.05003", display_name="QuEST", name_source="title",
        title_en="QuEST: Stable Training of LLMs with 1-Bit Weights and Activations",
        title_zh="QuEST: 使用 1 位权重和激活进行大语言模型的稳定训练",
    )  # fmt: skip
    chunks = [chunk("summary", "我们的代码可以在https://github.com/IST-DASLab/QuEST获得。")]

    class Chunks:
        def chunks_of(self, paper_id: str) -> list[ChunkHit]:
            return chunks

    writer = NoteWriter(
        Chunks(), ScriptedChatModel(script=["它很好。"]), {"en": "{topic} {paper} {text}"},
        len, note_tokens=200, min_support=0.35,
    )  # fmt: skip
    note = writer.note("LLMs with binary weights", PaperHit(paper, 1.0, 0.5, 0), "en",
                       prefer_own=True)  # fmt: skip
    assert note.text == paper.title_en and note.own_words
