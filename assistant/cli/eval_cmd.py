"""`assistant eval run|compare`: question sets in, metrics and a report out."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant import __version__
from assistant.api.client import RemoteAnswers
from assistant.cli.answer_cmd import backend_option
from assistant.cli.app import AppContext, cli, pass_app
from assistant.cli.remote import server_for
from assistant.config import describe_settings
from assistant.errors import ConfigError
from assistant.evals.compare import compare_markdown, compare_runs
from assistant.evals.questions import load_question_set
from assistant.evals.report import full_summary, write_report
from assistant.evals.runner import done_ids, read_outputs, run_eval
from assistant.fakes import ScriptedChatModel
from assistant.models.status import active_chat, active_embedder
from assistant.runtime import Runtime
from assistant.seams import AnswerStream


@cli.group("eval")
def eval_group() -> None:
    """Run evaluation question sets and compare runs."""


@eval_group.command("run")
@click.argument("question_set", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder for outputs.jsonl, summary.json, report.md and report.html.",
)
@click.option("--retrieval-only", is_flag=True, help="Retrieve only; no LLM is called.")
@click.option("--limit", type=int, default=None, help="Only the first N questions of the set.")
@backend_option
@pass_app
def run(
    app: AppContext,
    question_set: Path,
    out_dir: Path,
    retrieval_only: bool,
    limit: int | None,
    backend: str | None,
) -> None:
    """Run every question of QUESTION_SET (JSONL) and write the report (resumable)."""
    settings = app.settings(llm={"backend": backend})
    questions, issues = load_question_set(question_set)
    for issue in issues:
        click.secho(str(issue), fg="yellow", err=True)
    if limit is not None:
        questions = questions[:limit]
    already = done_ids(out_dir) & {q.id for q in questions}
    if already:
        click.echo(f"Resuming: {len(already)} question(s) already in {out_dir}.", err=True)
    runtime = Runtime(settings)
    if retrieval_only and not settings.retrieval.rerank:
        # No chat model is loaded: one that refuses every call stands in.
        refuse = ConfigError("A retrieval-only run calls no chat model.")
        runtime = Runtime(settings, chat_model=ScriptedChatModel(script=[refuse]))
    client = server_for(settings)
    server = client.status() if client is not None else None
    started = time.time()
    try:
        judge = None if retrieval_only else runtime.judge
        if client is not None:
            service: AnswerStream = RemoteAnswers(client)
            paper = client.paper
        else:
            service, paper = runtime.service, runtime.retriever.paper
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=False,
        ) as progress:
            task = progress.add_task("Questions", total=len(questions), completed=len(already))
            run_eval(
                service,
                questions,
                out_dir,
                retrieval_only=retrieval_only,
                judge=judge,
                names_of=lambda ids: [p.display_name for i in ids if (p := paper(i)) is not None],
                on_progress=lambda q, r: progress.advance(task),
            )
    finally:
        runtime.close()
        if client is not None:
            client.close()
    wanted = {q.id for q in questions}
    records = [r for r in read_outputs(out_dir) if r["id"] in wanted]
    info = {
        "question_set": str(question_set),
        "mode": "retrieval-only" if retrieval_only else "full",
        "chat_model": "none" if retrieval_only else active_chat(settings),
        "judge": None
        if judge is None
        else settings.eval.judge_model or settings.eval.judge_backend,
        "embedder": active_embedder(settings),
        "version": __version__,
        "seconds": round(time.time() - started, 2),
        "settings": describe_settings(settings),
    }
    if server is not None:  # the server answered, with its own models and settings
        info.update({k: server[k] for k in ("embedder", "settings")})
        info["chat_model"] = "none" if retrieval_only else server["chat"]
        info["server"] = client.url if client is not None else None
    summary = full_summary(records, {q.id: q.answer_facts for q in questions}, info)
    write_report(out_dir, summary)
    overall = summary["metrics"]["overall"]
    errors = f", {overall['errors']} error(s)" if overall["errors"] else ""
    click.echo(f"{len(records)} questions{errors}; report: {out_dir / 'report.md'}")
    for key in (
        "recall@5",
        "recall@10",
        "mrr@10",
        "citation_precision",
        "fact_coverage",
        "abstention_on_unanswerable",
        "false_abstention",
        "language_match",
        "empty_name_slots",
        "names_gold",
        "list_completeness",
        "list_precision",
        "near_miss_ok",
    ):
        value = overall.get(key)
        if value is not None:
            click.echo(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")


@eval_group.command("compare")
@click.argument("dir_a", type=click.Path(path_type=Path))
@click.argument("dir_b", type=click.Path(path_type=Path))
def compare(dir_a: Path, dir_b: Path) -> None:
    """Metric deltas (B − A) and the questions that changed between two runs."""
    click.echo(compare_markdown(compare_runs(dir_a, dir_b)))
