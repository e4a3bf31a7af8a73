"""The ``autobyteus bench`` command group: ``run``, ``report``, ``compare`` and ``tasks``.

Only click (and the core's shared executor options) is imported here; each command imports
what it needs when it runs, so ``autobyteus --help`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, NoReturn

import click

from autobyteus_core import executor_options

EXIT_CANNOT_START = 2
EXIT_STOPPED = 3

results_dir = click.Path(exists=True, file_okay=False, path_type=Path)


def _fail(message: str, code: int = EXIT_CANNOT_START) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


@click.group("bench")
def bench() -> None:
    """Score the workflow's code with hidden tests, against one direct call of the model."""


@bench.command("run")
@click.argument("suite")
@click.option(
    "--model",
    "-m",
    default=None,
    help="Model id provider:model (default: settings, then providers).",
)
@click.option("--workflow", default=None, help="A registered workflow name or a .toml/.json file.")
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="An autobyteus.toml copied into every task's workspace.",
)
@click.option(
    "--tasks", "picks", default=None, help="Only these tasks: positions from 0 (1,5,9) or task ids."
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N tasks.")
@click.option(
    "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Tasks run at once."
)
@executor_options("tasks")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Results folder (default bench-runs/<suite>-<model>); rerunning into it skips finished tasks.",
)
@click.option(
    "--baseline",
    type=click.Choice(["direct"]),
    default=None,
    help="Also answer every task in one direct call of the same model.",
)
@click.option(
    "--baseline-from",
    "baseline_from",
    type=results_dir,
    default=None,
    help="Take the direct records from an earlier run's folder (same suite and model) instead "
    "of answering those tasks again; implies --baseline direct.",
)
@click.pass_context
def run_command(
    ctx: click.Context,
    suite: str,
    model: str | None,
    workflow: str | None,
    settings_file: Path | None,
    picks: str | None,
    limit: int | None,
    jobs: int,
    executor: str,
    address: str | None,
    out: Path | None,
    baseline: str | None,
    baseline_from: Path | None,
) -> None:
    """Run SUITE (humaneval, projects, or a suite folder) and score every task.

    Each task runs in a fresh workspace under OUT/workspaces/<arm>/<task>, then its hidden
    tests run against a copy of it in a subprocess with a timeout. Records are appended to
    OUT/results.jsonl as tasks finish. Tasks run on an executor of autobyteus batch
    (--executor local or ray), --jobs at once. The direct call does not depend on the
    workflow's code: --baseline-from reuses an earlier run's answers when measuring a change.
    """
    import asyncio

    from autobyteus_bench.progress import BenchProgress
    from autobyteus_bench.provenance import code_version
    from autobyteus_bench.report import render_report
    from autobyteus_bench.results import (
        adopt_records,
        read_meta,
        read_results,
        start_run,
        task_slug,
    )
    from autobyteus_bench.runner import Arm, BenchConfig, bench_queue, run_queue
    from autobyteus_bench.suites import load_suite, select
    from autobyteus_core import AutobyteusError, AutobyteusSettings, find_workflow, get_app

    app = get_app(ctx)
    arms: list[Arm] = ["workflow", "direct"] if baseline or baseline_from else ["workflow"]
    adopted = 0
    try:
        tasks = select(load_suite(suite), picks, limit)
        settings = AutobyteusSettings.load(Path.cwd())
        model_id = app.llm.resolve_model_id(settings, model)
        app.llm.get(model_id, settings)
        find_workflow(app, workflow or settings.workflow)
        chosen_executor = app.executors.get(executor)
        if address is not None and not chosen_executor.uses_address:
            raise click.UsageError(f"the {executor} executor takes no --address")
        out = out or Path("bench-runs") / f"{task_slug(Path(suite).name)}-{task_slug(model_id)}"
        start_run(out, {"suite": suite, "model": model_id, "workflow": workflow, "arms": arms})
        if baseline_from is not None:
            adopted = adopt_records(baseline_from, out, "direct", [task.id for task in tasks])
    except AutobyteusError as exc:
        _fail(str(exc))
    config = BenchConfig(
        model=model_id,
        model_id=model_id,
        out=out.absolute(),
        workflow=str(Path(workflow).absolute())
        if workflow and Path(workflow).is_file()
        else workflow,
        settings_file=settings_file.absolute() if settings_file else None,
        code=code_version(),
    )
    queue = bench_queue(
        tasks, arms, config, app, jobs=jobs, address=address,
        on_result=lambda record: progress.handle(record),
    )  # fmt: skip
    if adopted:
        click.echo(f"{adopted} direct record(s) taken from {baseline_from}.", err=True)
    skipped = len(tasks) * len(arms) - queue.total - adopted
    if skipped:
        click.echo(
            f"{skipped} finished task run(s) in {out} are kept; {queue.total} to run.", err=True
        )
    progress = BenchProgress(queue.total)
    with progress:
        try:
            stopped = asyncio.run(_until_stopped(run_queue(queue, chosen_executor), queue.cancel))
        except KeyboardInterrupt:  # a second Ctrl-C
            stopped = True
        except Exception as exc:  # a bug of the bench, not of a task: one line, kept results
            from autobyteus_core import get_logger

            get_logger(plugin="bench").debug("unexpected error", exc_info=True)
            _fail(
                f"unexpected {type(exc).__name__}: {exc} (finished tasks are kept in {out}; "
                "--log-level debug shows the traceback)",
                1,
            )
    chosen = {task.id for task in tasks}
    records = [r for r in read_results(config.out) if r["task"] in chosen]
    click.echo(render_report(records, read_meta(config.out)))
    click.echo(f"Results: {config.out / 'results.jsonl'}")
    if stopped:
        click.echo("Interrupted: run the same command again to continue.", err=True)
        raise SystemExit(EXIT_STOPPED)
    if queue.lost:
        for lost in queue.lost:
            click.echo(f"{lost.id} did not finish: {lost.lost}", err=True)
        click.echo(f"{len(queue.lost)} task run(s) did not finish: run the same command again.",
                   err=True)  # fmt: skip
        raise SystemExit(EXIT_STOPPED)


async def _until_stopped(work: Coroutine[Any, Any, object], on_stop: Callable[[], None]) -> bool:
    """Run ``work``; the first Ctrl-C or SIGTERM calls ``on_stop`` and cancels it (finished
    records are kept) and returns True, a second Ctrl-C interrupts at once."""
    import asyncio
    import contextlib
    import signal

    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)

    def stop(signum: int) -> None:
        click.echo("\nStopping: finished tasks are kept (Ctrl-C again to force)...", err=True)
        loop.remove_signal_handler(signum)
        on_stop()
        task.cancel()

    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop, signum)
            installed.append(signum)
    try:
        await task
    except asyncio.CancelledError:
        return True
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
    return False


@bench.command("report")
@click.argument("directory", type=results_dir)
def report_command(directory: Path) -> None:
    """Print the Markdown table of the bench run in DIRECTORY (both arms if a baseline ran)."""
    from autobyteus_bench.report import render_report
    from autobyteus_bench.results import read_meta

    click.echo(render_report(_records(directory), read_meta(directory)), nl=False)


@bench.command("compare")
@click.argument("before", type=results_dir)
@click.argument("after", type=results_dir)
def compare_command(before: Path, after: Path) -> None:
    """List the tasks whose hidden-test verdict flipped from run BEFORE to run AFTER."""
    from autobyteus_bench.report import render_compare

    click.echo(render_compare(_records(before), _records(after), str(before), str(after)), nl=False)


@bench.command("tasks")
@click.argument("suite")
def tasks_command(suite: str) -> None:
    """List the tasks of SUITE with the positions --tasks takes."""
    from autobyteus_bench.suites import load_suite

    for position, task in enumerate(_or_fail(load_suite, suite)):
        first = task.requirement.strip().splitlines()[0]
        click.echo(f"{position:>4}  {task.id:<24} {first[:70]}")


def _records(directory: Path) -> list[dict[str, Any]]:
    from autobyteus_bench.results import read_results

    records: list[dict[str, Any]] = _or_fail(read_results, directory)
    return records


def _or_fail(function: Any, *args: Any) -> Any:
    from autobyteus_core import AutobyteusError

    try:
        return function(*args)
    except AutobyteusError as exc:
        _fail(str(exc))
