"""``autobyteus batch run`` and ``autobyteus batch status``.

Exit codes of ``batch run``: 0 every item succeeded, 1 an item failed or could not start, 2 the
batch could not start (no spec, no model, unknown executor, bad option), 3 it stopped before
the end (Ctrl-C or the batch budget): run the same command again to go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from autobyteus_core.cli.context import get_app
from autobyteus_core.cli.executor_options import executor_options
from autobyteus_core.cli.output import echo_json, print_table
from autobyteus_core.cli.run_commands import (
    EXIT_FAILED,
    budget_option,
    cannot_start,
    concurrency_option,
    fail,
    install_cancel_handlers,
    json_option,
    model_option,
    parse_budget,
)

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.batch.runner import BatchOutcome
    from autobyteus_core.batch.spec import SpecItem

out_option = click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder: results.jsonl, and each item's workspace <out>/<id>/.",
)


@click.group("batch")
def batch_group() -> None:
    """Run many workflows at once, resumable, and follow them."""


@batch_group.command("run")
@click.argument("spec", type=click.Path(path_type=Path))
@out_option
@model_option
@click.option("--workflow", default=None, help="A registered workflow name or a .toml/.json file.")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=4, show_default=True, help="Items at once."
)
@executor_options("items")
@budget_option
@concurrency_option
@click.pass_context
def batch_run_command(
    ctx: click.Context,
    spec: Path,
    out: Path,
    model: str | None,
    workflow: str | None,
    jobs: int,
    executor: str,
    address: str | None,
    budget: str | None,
    max_concurrency: int | None,
) -> None:
    """Run every item of SPEC (a folder of *.md/*.txt requirements or a JSONL file), each
    in its own workspace; a rerun skips finished items and resumes interrupted ones."""
    from autobyteus_core.batch.runner import BatchOptions, BatchRunner
    from autobyteus_core.batch.spec import read_spec
    from autobyteus_core.cli.batch_progress import BatchProgress

    limits = parse_budget(budget)
    app = get_app(ctx)
    out = out.expanduser().absolute()
    with cannot_start():
        items = read_spec(spec.expanduser())
        chosen = app.executors.get(executor)
        if address is not None and not chosen.uses_address:
            fail(f"the {executor} executor takes no --address")
        model = _default_model(app, out, model, items)
        options = BatchOptions(
            out=out,
            jobs=jobs,
            model=model,
            workflow=_absolute_if_file(workflow),
            max_concurrency=max_concurrency,
            budget=limits,
            address=address,
        )
    progress = BatchProgress(len(items))
    runner = BatchRunner(items, options, app=app, observer=progress)

    async def main() -> BatchOutcome:
        loop = asyncio.get_running_loop()
        installed = install_cancel_handlers(loop, runner.cancel, "the batch")
        try:
            with progress:
                return await runner.run(chosen)
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)
            await app.llm.aclose()

    try:
        outcome = asyncio.run(main())
    except KeyboardInterrupt:
        fail("interrupted; run the same command again to resume", 3)
    except Exception as exc:  # an executor's bug or lost cluster: one line, never a traceback
        fail(f"the batch stopped: {type(exc).__name__}: {exc}", EXIT_FAILED)
    _report(outcome, out, progress.line())


def _default_model(
    app: Application, out: Path, model: str | None, items: list[SpecItem]
) -> str | None:
    """The model items without their own use; resolved now so a missing one fails before
    anything runs (and every worker of an executor uses the same)."""
    if model is not None or all(item.model for item in items):
        return model
    from autobyteus_core.settings import AutobyteusSettings

    return app.llm.resolve_model_id(AutobyteusSettings.load(out if out.is_dir() else None), None)


def _absolute_if_file(workflow: str | None) -> str | None:
    if workflow is None:
        return None
    path = Path(workflow).expanduser()
    return str(path.absolute()) if path.suffix.lower() in (".toml", ".json") else workflow


def _report(outcome: BatchOutcome, out: Path, line: str) -> None:
    click.echo(f"Batch: {line}.")
    if outcome.not_started:
        why = "the batch budget was reached" if outcome.budget_stopped else "it was stopped"
        click.echo(f"{outcome.not_started} items did not run: {why}.", err=True)
    click.echo(f"Results: {out / 'results.jsonl'} (autobyteus batch status {out})")
    code = outcome.exit_code
    if code == 3:
        click.echo("Run the same command again to resume the rest.", err=True)
    raise SystemExit(code)


@batch_group.command("status")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@json_option
def batch_status_command(out: Path, as_json: bool) -> None:
    """Show the items of the batch in OUT: status, tokens, cost, wall time and tests."""
    from autobyteus_core.batch.results import ResultsLog, read_batch_file
    from autobyteus_core.cli.progress import format_cost, format_seconds

    out = out.expanduser().absolute()
    batch = read_batch_file(out)
    if batch is None:
        fail(f"no batch in {out} (autobyteus batch run SPEC --out {out} starts one)")
    latest = ResultsLog(out).latest()
    rows = [_status_row(entry, latest.get(entry["id"])) for entry in batch.get("items", [])]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    tokens = sum(row["tokens"] for row in rows)
    costs = [row["cost_usd"] for row in rows if row["cost_usd"] is not None]
    cost = sum(costs) if costs else None
    if as_json:
        echo_json(
            {"out": str(out), "counts": counts, "tokens": tokens, "cost_usd": cost, "items": rows}
        )
        return
    print_table(
        f"batch in {out}",
        ["item", "status", "tokens", "cost", "wall", "tests", "error"],
        [
            [
                row["id"],
                row["status"],
                str(row["tokens"]),
                format_cost(row["cost_usd"]),
                format_seconds(row["wall_s"]) if row["wall_s"] is not None else "-",
                _tests(row["tests"]),
                _one_line(row["error"] or ""),
            ]
            for row in rows
        ],
    )
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    click.echo(f"{len(rows)} items: {summary}; {tokens} tokens, cost {format_cost(cost)}")


def _status_row(entry: dict[str, Any], result: dict[str, Any] | None) -> dict[str, Any]:
    """An item's status: its last result line, or what its run store says when it has none
    (``running``, ``interrupted``, ``pending``)."""
    row: dict[str, Any] = {
        "id": entry["id"],
        "workspace": entry.get("workspace"),
        "run_id": entry.get("run_id"),
        "status": "pending",
        "tokens": 0,
        "cost_usd": None,
        "wall_s": None,
        "tests": None,
        "error": None,
        "files": [],
    }
    if result is not None:
        usage = result.get("usage") or {}
        row.update(
            status=result.get("status", "?"),
            tokens=int(usage.get("total_tokens") or 0),
            cost_usd=result.get("cost_usd"),
            wall_s=result.get("wall_s"),
            tests=result.get("tests"),
            error=result.get("error"),
            files=result.get("files") or [],
        )
        return row
    from autobyteus_core.batch.results import stored_run

    run = stored_run(entry.get("workspace"), entry.get("run_id"))
    if run is not None:
        row.update(
            status="running" if run.display_status == "running" else "interrupted",
            tokens=run.usage.total_tokens,
            cost_usd=run.usage.cost_usd,
        )
    return row


def _tests(tests: dict[str, Any] | None) -> str:
    if not tests:
        return "-"
    verdict = "passed" if tests.get("passed") else "failed"
    return f"{verdict} ({tests['counts']})" if tests.get("counts") else verdict


def _one_line(text: str, width: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


@batch_group.command("executors")
@json_option
@click.pass_context
def batch_executors_command(ctx: click.Context, as_json: bool) -> None:
    """List the registered batch executors."""
    app = get_app(ctx)
    names = app.executors.names()
    rows = []
    for name in names:
        origin = app.executors.origin(name)
        with contextlib.suppress(Exception):
            description = app.executors.get(name).description
            rows.append({"name": name, "description": description, "plugin": origin.plugin})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    print_table(
        "batch executors",
        ["executor", "plugin", "description"],
        [[r["name"], r["plugin"], r["description"]] for r in rows],
    )
