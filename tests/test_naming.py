"""Names fit for a sentence: titles shortened, LaTeX removed, twins told apart, and names the
model writes accepted only when they are made of the paper's own words."""

from __future__ import annotations

import json

import pytest

from assistant.digest import Paper, load_digests
from assistant.digest.naming import (
    MAX_NAME,
    apply_names,
    clean_latex,
    disambiguate,
    phrase_name,
    title_name,
    untitled_name,
    valid_model_name,
)
from assistant.fakes import ScriptedChatModel
from assistant.index.naming import name_papers
from tests.conftest import BUNDLED
from tests.index_support import PAPERS_B, index_settings, run_ingest, write_digests


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("s1: Simple test- time scaling", "s1"),
        ("VideoRoPE: What Makes for Good Video Rotary Position Embedding?", "VideoRoPE"),
        (
            "Scaling up Test-Time Compute with Latent Reasoning: A Recurrent Depth Approach",
            "Scaling up Test-Time Compute with Latent Reasoning",
        ),
        (
            "Can 1B LLM Surpass 405B LLM? Rethinking Compute-Optimal Test-Time Scaling",
            "Can 1B LLM Surpass 405B LLM?",
        ),
        (
            "Training Language Models for Social Deduction with Multi-Agent Reinforcement Learning",
            "Training Language Models for Social Deduction",
        ),
        ("Distillation Scaling Laws", "Distillation Scaling Laws"),
    ],
)
def test_titles_become_names_fit_for_a_sentence(title: str, name: str) -> None:
    assert title_name(title) == name


def test_latex_debris_is_removed() -> None:
    assert clean_latex("$N$-gram novelty") == "N-gram novelty"
    assert clean_latex(r"tokenisation is $\mathsf{NP}$-complete") == "tokenisation is NP-complete"
    assert clean_latex("d$^2$Cache and $O(n^{2})$") == "d²Cache and O(n²)"


@pytest.mark.parametrize(
    ("tldr", "name"),
    [
        ("Propose twin test framework to study off-trajectory reasoning.", "Twin test framework"),
        (
            "Find a training-free sampling algorithm that elicits it.",
            "Training-free sampling algorithm",
        ),
        ("Study best-of-N for LLMs where the verifier is noisy.", "Best-of-N for LLMs"),
        (
            "Examines the exploration trade-off in RL for LLMs.",
            "Exploration trade-off in RL for LLMs",
        ),
    ],
)
def test_a_tldr_written_as_an_instruction_names_its_object(tldr: str, name: str) -> None:
    assert phrase_name(tldr) == name


def test_a_spelled_out_name_gives_way_to_its_short_form() -> None:
    method = "提出Dual aDaptive Cache (d$^2$Cache),采用两阶段细粒度选择策略"
    assert untitled_name({"method": method}) == ("d²Cache", "method")
    assert untitled_name({"method": "提出 Local Linear Attention (LLA),并设计 FlashLLA 算法"}) == (
        "LLA",
        "method",
    )


def paper(**fields) -> Paper:
    base = {"paper_id": "h-1", "display_name": "x", "name_source": "phrase"}
    return Paper(**{**base, **fields})


ABSTRACT = (
    "We propose planned diffusion, which speeds up LLM inference by denoising several "
    "spans in parallel after a short autoregressive plan."
)


@pytest.mark.parametrize(
    ("reply", "accepted"),
    [
        ("Planned Diffusion", "Planned Diffusion"),
        ('"Planned diffusion for LLM inference."', "Planned diffusion for LLM inference"),
        ("Planned diffusion for faster inference", None),  # most words not in the text
        ("Name: parallel span denoising", "Parallel span denoising"),
        ("FlashPlan diffusion decoding", None),  # a method name the text does not have
        ("Diffusion", None),  # one word that is not the paper's own name
        ("This paper speeds up inference with plans", None),  # a sentence
        ("A very long name that goes on and on about planned diffusion inference", None),
    ],
)
def test_a_model_name_stands_only_when_made_of_the_papers_words(reply, accepted) -> None:
    assert valid_model_name(reply, paper(abstract=ABSTRACT)) == accepted


def test_twins_get_a_mark_the_other_lacks() -> None:
    twins = [
        paper(paper_id="h-1", display_name="QuRL", tags=["reinforcement learning", "rubrics"]),
        paper(paper_id="h-2", display_name="QuRL", tags=["reinforcement learning", "quantization"]),
    ]
    disambiguate(twins)
    assert [p.display_name for p in twins] == ["QuRL (rubrics)", "QuRL (quantization)"]


def test_the_bundled_digest_names_fit_a_sentence() -> None:
    papers = load_digests([BUNDLED]).papers
    names = [p.display_name for p in papers]
    assert max(len(n) for n in names) <= MAX_NAME
    assert len(set(names)) == len(names)
    assert not [n for n in names if "$" in n or "\\" in n]


def test_names_written_by_the_model_are_checked_and_reused(tmp_path) -> None:
    unnamed = [
        paper(paper_id="h-1", abstract=ABSTRACT),
        paper(paper_id="h-2", abstract="We study token budgets for reasoning models."),
    ]
    model = ScriptedChatModel(script=["Planned Diffusion", "Invented NovaNet"])
    report = name_papers(unnamed, {}, lambda: model, "{text}")
    assert (report.asked, report.named) == (2, 1)
    assert [(p.display_name, p.name_source) for p in unnamed] == [
        ("Planned Diffusion", "model"),
        ("x", "text"),  # kept its phrase, and is not asked about again
    ]
    again = [paper(paper_id="h-1", abstract=ABSTRACT)]

    def no_model():
        raise AssertionError("a stored name was asked for again")

    report = name_papers(again, {"h-1": unnamed[0]}, no_model, "{text}")
    assert report.reused == 1 and again[0].display_name == "Planned Diffusion"


def test_names_shipped_beside_a_digest_are_read_with_it(tmp_path) -> None:
    b_file, _ = write_digests(tmp_path)
    quantization = next(p for p in load_digests([b_file]).papers if p.name_source != "method")
    (tmp_path / "names.json").write_text(
        json.dumps({"names": {quantization.paper_id: "Quantization of reasoning models"}}),
        encoding="utf-8",
    )
    reread = next(p for p in load_digests([b_file]).papers if p.paper_id == quantization.paper_id)
    assert (reread.display_name, reread.name_source) == (
        "Quantization of reasoning models",
        "model",
    )
    apply_names([reread], {reread.paper_id: "Invented QuantNet"})  # named already: unchanged
    assert reread.display_name == "Quantization of reasoning models"


def test_ingest_names_unnamed_papers_once_and_keeps_the_names(tmp_path) -> None:
    from assistant.index.ingest import Namer

    settings = index_settings(tmp_path)
    digests = write_digests(tmp_path / "digests")
    model = ScriptedChatModel(script=["Quantization of reasoning models"])
    namer = Namer(lambda: model, "{text}")
    first = run_ingest(settings, digests, namer=namer)
    assert first.naming is not None and (first.naming.asked, first.naming.named) == (1, 1)
    again = run_ingest(settings, digests, namer=namer)
    assert again.naming.reused == 1 and len(model.prompts) == 1 and not again.changed
    from assistant.index.store import IndexStore

    with IndexStore.open(settings) as store:
        names = {p.display_name for p in store.papers()}
    assert "Quantization of reasoning models" in names
    assert PAPERS_B  # the sample digests written above hold one paper with no method name
