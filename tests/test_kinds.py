"""The question-kind classifier on its labelled set and on tricky cases in both languages."""

from __future__ import annotations

import json

import pytest

from assistant.answer.kinds import classify
from tests.conftest import ROOT

LABELLED = [
    json.loads(line)
    for line in (ROOT / "evals" / "question_kinds.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def test_the_labelled_set_is_classified_right() -> None:
    wrong = [r["question"] for r in LABELLED if classify(r["question"]).kind != r["kind"]]
    assert len(wrong) <= 0.05 * len(LABELLED), wrong


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("哪些论文研究了 KV cache 压缩？", "list"),
        ("Which papers in the digest study speculative decoding?", "list"),
        ("Summarise the papers on video generation.", "list"),
        ("Which paper proposes GuardSpace?", "single"),
        ("哪篇论文比较了知识编辑和机器遗忘这两种知识更新方式？", "single"),
        ("s1 的主要贡献有哪些？", "single"),
        ("Compare s1 and LIMO.", "compare"),
        ("s1 和 LIMO 有什么区别？", "compare"),
        ("Compare the papers on diffusion language model decoding.", "list"),
    ],
)
def test_tricky_questions(question: str, kind: str) -> None:
    assert classify(question).kind == kind


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Compare Fino1, FinSeer and TwinMarket.", ["Fino1", "FinSeer", "TwinMarket"]),
        ("How does GuardSpace differ from OSFT? Both seem to use SVD subspaces.",
         ["GuardSpace", "OSFT"]),
        ("《Distillation Scaling Laws》和《Can 1B LLM Surpass 405B LLM?》的结论有什么不同？",
         ["Distillation Scaling Laws", "Can 1B LLM Surpass 405B LLM?"]),
        ("Contrast 2502.05171 with 2412.17747: how do they reason?", ["2502.05171", "2412.17747"]),
    ],
)  # fmt: skip
def test_the_compared_names_are_read_as_written(question: str, names: list[str]) -> None:
    assert classify(question).names == names
