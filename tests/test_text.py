"""The text layer: language, sentences, markers, terms, numbers and links, both languages."""

from __future__ import annotations

import pytest

from assistant.text.language import detect_language, in_language
from assistant.text.links import strip_urls
from assistant.text.markers import marker_keys, replace_markers, strip_markers
from assistant.text.numbers import is_stated, numbers, same_quantity, unstated
from assistant.text.sentences import (
    is_question,
    join_sentences,
    split_sentences,
    starts_with_yes_or_no,
    strip_label,
)
from assistant.text.terms import names_in, overlap, terms


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("哪些论文研究了 KV cache 压缩？", "zh"),
        ("GuardSpace 如何在微调时保持安全对齐？", "zh"),
        ("DeepSeek-V3 的 MTP 在 MMLU 上多少分？", "zh"),
        ("压缩 KV cache", "zh"),
        ("在 Llama-2-7B-Chat 上将有害得分从 14.4% 降至 3.6%。", "zh"),
        ("我们提出了一种新的方法 KVZip。", "zh"),
        ("Which paper scales test-time compute with a recurrent depth model?", "en"),
        ("Explain speculative decoding 推测解码", "en"),
        ("What is 推测解码?", "en"),
        ("We propose KVZip, a training-free cache eviction method (缓存).", "en"),
        ("KVZip [1]", "en"),
        ("", "en"),
    ],
)
def test_one_language_rule_for_mixed_text(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_a_bare_number_fits_either_language() -> None:
    assert in_language("84.6% [1]", "zh") and in_language("84.6% [1]", "en")
    assert not in_language("The memory drops by 4x.", "zh")


def test_sentences_split_on_chinese_and_english_ends_but_not_on_abbreviations() -> None:
    text = (
        "我们提出一种方法。它很快！真的吗？前者；后者。"
        "We follow Smith et al. in this work. The score rose from 14.4% to 3.6%, e.g. on GSM8K. "
        "Done"
    )
    assert split_sentences(text) == [
        "我们提出一种方法。",
        "它很快！",
        "真的吗？",
        "前者；",
        "后者。",
        "We follow Smith et al. in this work.",
        "The score rose from 14.4% to 3.6%, e.g. on GSM8K.",
        "Done",
    ]


def test_markers_stay_with_the_sentence_they_follow_in_model_output() -> None:
    assert split_sentences(
        "It cuts memory by 4x [1]. It keeps accuracy.[2] Done", markers=True
    ) == [
        "It cuts memory by 4x [1].",
        "It keeps accuracy.[2]",
        "Done",
    ]
    assert split_sentences("提升了 27%[1]。下一句。[2]\n[3]\n最后", markers=True) == [
        "提升了 27%[1]。",
        "下一句。[2][3]",
        "最后",
    ]
    # Digest text is split as written: a bracket starting a sentence is not a marker there.
    assert split_sentences("Prior work. [12] shows it.") == ["Prior work.", "[12] shows it."]


def test_joining_keeps_chinese_tight_and_english_spaced() -> None:
    assert join_sentences(["前者。", "后者。", "Then this.", "And that."]) == (
        "前者。后者。 Then this. And that."
    )


def test_a_field_label_is_stripped_once() -> None:
    assert strip_label("主要方法：提出 KVZip。") == "提出 KVZip。"
    assert strip_label("Abstract: We propose X: a method.") == "We propose X: a method."
    assert strip_label("A sentence that is much too long to be a label: here") == (
        "A sentence that is much too long to be a label: here"
    )


@pytest.mark.parametrize(
    ("sentence", "answers_yes_or_no"),
    [
        ("Yes, there is a paper on it.", True),
        ("No paper in the digest does.", True),  # "No" first: it answers no
        ("是的，它用了 MMLU。", True),
        ("不是，它用的是 GSM8K。", True),
        ("有，FreqKV 做了这件事。", True),
        ("Notably, KVZip compresses the cache.", False),
        ("有研究表明压缩有效。", False),
        ("是一种新的解码方法。", False),
    ],
)
def test_a_sentence_that_opens_with_yes_or_no(sentence: str, answers_yes_or_no: bool) -> None:
    assert starts_with_yes_or_no(sentence) is answers_yes_or_no


def test_a_question_is_told_from_a_statement_in_both_languages() -> None:
    for text in ["What dataset did it use?", "它用了什么数据集", "Light-A-Video 用的是哪个模型？",
                 "Does it need training", "效果如何"]:  # fmt: skip
        assert is_question(text), text
    answers = ["Light-A-Video 用了重打光模型来保证光照一致。", "KVZip was tested on LongBench."]
    for text in answers:
        assert not is_question(text), text


def test_markers_are_found_in_every_written_form() -> None:
    text = "A [1][3]. B [2, 1]. C 【4】。D [2，5]."
    assert marker_keys(text) == [1, 3, 2, 4, 5]
    assert strip_markers("KVZip [1] cuts memory [2,3].") == "KVZip  cuts memory ."
    assert replace_markers("X [1, 2]", lambda keys, _: "".join(f"<{k}>" for k in keys)) == (
        "X <1><2>"
    )


def test_terms_fold_english_plurals_and_cut_chinese_into_bigrams() -> None:
    assert {"model", "cache"} <= terms("The models use a cache")
    assert "the" not in terms("The models use a cache")
    assert {"缓存", "存压", "压缩"} <= terms("缓存压缩")
    assert overlap("KV cache compression", "We study cache compression.") == pytest.approx(2 / 3)
    assert names_in("GuardSpace beats s1 on GSM8K and on MATH-500") == {
        "GuardSpace",
        "s1",
        "GSM8K",
        "MATH-500",
    }


def test_numbers_compare_by_value_and_by_unit_scale() -> None:
    (a,) = numbers("84.6%")
    (b,) = numbers("84.6\\%")
    assert same_quantity(a, b)
    (m,) = numbers("2.788M")
    (w,) = numbers("278.8 万")
    assert same_quantity(m, w)
    assert [n.written for n in numbers("从 14.4% 降至 3.6%，共 1,024 个")] == [
        "14.4%",
        "3.6%",
        "1,024",
    ]
    assert not is_stated(numbers("91.2%")[0], numbers("84.6% and 3.6%"))
    assert [n.written for n in unstated("It used 8 GPUs and 3.6% data", "3.6% of the data")] == [
        "8"
    ]


def test_urls_and_markdown_links_are_removed_and_counted() -> None:
    text, count = strip_urls("See [the code](https://x.y/z) and www.example.com now.")
    assert count == 2
    assert "http" not in text and "www" not in text
    assert text == "See the code and now."
