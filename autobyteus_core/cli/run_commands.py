"""``autobyteus run``, ``runs``, ``show``, ``resume`` and ``workflow show``.

Exit codes: 0 the run succeeded, 1 it failed, 2 it could not start (no model, unknown
workflow or step, bad option, a step that refuses the run), 3 it stopped before the end (cancelled with Ctrl-C, the budget
was reached, or paused after a step) and can be resumed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from autobyteus_core.cli.context import get_app
from autobyteus_core.cli.output import echo, echo_json, print_table
from autobyteus_core.errors import AutobyteusError

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.settings import AutobyteusSettings
    from autobyteus_core.workflow.base_step import OutputView
    from autobyteus_core.workflow.call_ledger import Budget
    from autobyteus_core.workflow.run_record import RunState
    from autobyteus_core.workflow.workflow import Workflow

EXIT_FAILED = 1
EXIT_CANNOT_START = 2
EXIT_STOPPED = 3

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
workspace_option = click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The project folder (runs are stored in its .autobyteus/runs/).",
)
model_option = click.option(
    "--model",
    "-m",
    default=None,
    help="Model id provider:model (default: settings, then providers).",
)
budget_option = click.option(
    "--budget",
    default=None,
    help="Stop before spending more: tokens (20000, 20k) or dollars ($0.50). Resumable.",
)
concurrency_option = click.option(
    "--max-concurrency", type=click.IntRange(min=1), default=None, help="Subtasks run at once."
)
pause_option = click.option(
    "--pause-after",
    "pause_after",
    multiple=True,
    metavar="STEP",
    help="Stop (status paused, resumable) once this step succeeds. Repeatable.",
)
interactive_option = click.option(
    "--interactive",
    is_flag=True,
    help="On a terminal: pause after the plan (any editable step output), show it and ask "
    "whether to go on, edit it or stop.",
)


def fail(message: str, code: int = EXIT_CANNOT_START) -> NoReturn:
    echo(f"Error: {message}", err=True)
    raise SystemExit(code)


@contextlib.contextmanager
def cannot_start() -> Iterator[None]:
    """Errors while setting up a run end the command with exit code 2 and one line."""
    try:
        yield
    except AutobyteusError as exc:
        fail(str(exc))


def _settings(workspace: Path) -> AutobyteusSettings:
    from autobyteus_core.settings import AutobyteusSettings

    return AutobyteusSettings.load(workspace.expanduser().absolute())


def parse_budget(text: str | None) -> Budget | None:
    if text is None:
        return None
    from autobyteus_core.workflow.call_ledger import Budget

    try:
        return Budget.parse(text)
    except ValueError as exc:
        fail(f"--budget: {exc}")


def _budget_kwargs(budget: Budget | None) -> dict[str, Any]:
    if budget is None:
        return {}
    return {
        key: value
        for key, value in (("budget_tokens", budget.tokens), ("budget_usd", budget.usd))
        if value is not None
    }


# -- running -------------------------------------------------------------------------------


def install_cancel_handlers(
    loop: asyncio.AbstractEventLoop, stop: Callable[[], None], what: str = "the run"
) -> list[int]:
    """Ctrl-C (and SIGTERM) call ``stop`` the first time; a second Ctrl-C is the default
    interrupt again."""
    installed: list[int] = []

    def cancel(signum: int) -> None:
        echo(f"\nCancelling: saving {what} (Ctrl-C again to force)...", err=True)
        with contextlib.suppress(Exception):
            loop.remove_signal_handler(signum)
        stop()

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, cancel, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, non-main thread
            continue
        installed.append(signum)
    return installed


def _need_terminal(interactive: bool) -> None:
    if interactive and not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(
            "--interactive needs a terminal to ask on; without one, use --pause-after STEP, "
            "then `autobyteus plan RUN_ID --file FILE` and `autobyteus resume RUN_ID`"
        )


def drive(
    workflow: Workflow,
    requirement: str | None,
    *,
    live: bool | None = None,
    interactive: bool = False,
) -> NoReturn:
    """Run (or resume) ``workflow`` with a progress display, print the summary and exit with
    the run's exit code. ``interactive``: at a pause after an editable step, ask whether to go
    on, edit the output or stop."""
    from autobyteus_core.cli.progress import ProgressDisplay, print_summary

    records = workflow.run_state.steps.values()
    display = ProgressDisplay(
        [(r.id, r.step) for r in records],
        live=live,
        statuses={r.id: "succeeded" for r in records if r.status.value == "succeeded"},
    )
    workflow.add_listener(display.handle)

    async def main() -> RunState:
        loop = asyncio.get_running_loop()
        installed = install_cancel_handlers(loop, workflow.cancel)
        try:
            with display:
                run = await workflow.start(requirement)
            while interactive and _go_on(workflow, run):
                with display:
                    run = await workflow.start()
            return run
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)
            await workflow.aclose()

    try:
        run = asyncio.run(main())
    except KeyboardInterrupt:
        run = workflow.run_state
        echo("Interrupted.", err=True)
    except AutobyteusError as exc:
        fail(str(exc), EXIT_FAILED)
    except Exception as exc:  # a bug: say so in one line; the details go to the debug log
        from autobyteus_core.logging import get_logger

        get_logger(run_id=workflow.run_id).debug("unexpected error", exc_info=True)
        fail(
            f"unexpected {type(exc).__name__}: {exc} (the run is saved; --log-level debug "
            "shows the traceback)",
            EXIT_FAILED,
        )
    print_summary(run)
    _report_end(run)


def _go_on(workflow: Workflow, run: RunState) -> bool:
    """At a pause after an editable step, ask until the answer is to go on (True) or stop."""
    from autobyteus_core.cli.plan_commands import edit_in_editor

    step_id = run.paused_after
    if step_id is None or step_id not in workflow.editable_steps():
        return False
    editable = workflow.step_at(step_id).editable
    assert editable is not None
    while True:
        echo(workflow.document_path(step_id).read_text(encoding="utf-8"))
        answer = click.prompt(
            f"{editable.proceed} / edit / stop",
            type=click.Choice([editable.proceed, "edit", "stop"]),
            default=editable.proceed,
        )
        if answer == "stop":
            return False
        if answer == editable.proceed:
            return True
        edit_in_editor(workflow, step_id)


def _report_end(run: RunState) -> NoReturn:
    from autobyteus_core.workflow.workflow_status import WorkflowStatus

    if run.git is not None:
        echo(
            f"Its changes are on the branch {run.git.branch}: `autobyteus diff {run.run_id}` "
            f"shows them, `autobyteus undo {run.run_id}` takes them back.",
            err=True,
        )

    if run.status is WorkflowStatus.SUCCEEDED:
        if run.tests_run is False:
            echo(f"Warning: the tests never ran: {_why_not_run(run)}", err=True)
            echo(f"Run {run.run_id} succeeded without running its tests.")
        else:
            echo(f"Run {run.run_id} succeeded.")
        raise SystemExit(0)
    if run.status is WorkflowStatus.PAUSED:
        echo(f"Run {run.run_id} {run.error or 'paused'}.", err=True)
        echo(
            f"Next: look at it with `autobyteus show {run.run_id}`, then continue with "
            f"`autobyteus resume {run.run_id}`.",
            err=True,
        )
        raise SystemExit(EXIT_STOPPED)
    echo(f"Run {run.run_id} {run.display_status}: {run.error or 'no details'}", err=True)
    echo(f"Continue it with: autobyteus resume {run.run_id}", err=True)
    raise SystemExit(EXIT_FAILED if run.status is WorkflowStatus.FAILED else EXIT_STOPPED)


def _why_not_run(run: RunState) -> str | None:
    return run.state.tests.not_run if run.state.tests else None


def _read_requirement(requirement: str | None, requirement_file: Path | None) -> str:
    if requirement is not None and requirement_file is not None:
        fail("give the requirement as an argument or with --requirement-file, not both")
    if requirement_file is not None:
        try:
            requirement = requirement_file.read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"cannot read {requirement_file}: {exc.strerror or exc}")
    if not requirement or not requirement.strip():
        fail('no requirement: autobyteus run "<requirement>" or --requirement-file FILE')
    return requirement.strip()


@click.command("run")
@click.argument("requirement", required=False)
@click.option(
    "--requirement-file",
    "-f",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read the requirement from this file.",
)
@workspace_option
@model_option
@click.option("--workflow", default=None, help="A registered workflow name or a .toml/.json file.")
@budget_option
@concurrency_option
@pause_option
@interactive_option
@click.option(
    "--branch",
    default=None,
    metavar="NAME",
    help="In a git repository, the run's branch (default: autobyteus/RUN_ID).",
)
@click.option(
    "--no-git",
    "no_git",
    is_flag=True,
    help="Do not use git even in a repository: no branch, no commits.",
)
@click.option(
    "--allow-dirty",
    is_flag=True,
    help="Start even with uncommitted changes; they are committed first on the run's branch.",
)
@click.pass_context
def run_command(
    ctx: click.Context,
    requirement: str | None,
    requirement_file: Path | None,
    workspace: Path,
    model: str | None,
    workflow: str | None,
    budget: str | None,
    max_concurrency: int | None,
    pause_after: tuple[str, ...],
    interactive: bool,
    branch: str | None,
    no_git: bool,
    allow_dirty: bool,
) -> None:
    """Run a workflow that turns a requirement into code in the workspace.

    In a git repository the run works on a new branch from the current commit and commits
    after each subtask, fix round and step; `autobyteus diff RUN_ID` shows its change and
    `autobyteus undo RUN_ID` takes it back.
    """
    from autobyteus_core.workflow.loading import find_workflow
    from autobyteus_core.workflow.workflow import Workflow

    _need_terminal(interactive)
    text = _read_requirement(requirement, requirement_file)
    limits = parse_budget(budget)
    app = get_app(ctx)
    with cannot_start():
        settings = _settings(workspace)
        model_id = app.llm.resolve_model_id(settings, model)  # no model: say so before all else
        definition = find_workflow(app, workflow or settings.workflow)
        flow = Workflow(
            definition,
            app=app,
            workspace=workspace,
            settings=settings,
            model=model_id,
            max_concurrency=max_concurrency,
            pause_after=pause_after,
            git=False if no_git else None,
            branch=branch,
            allow_dirty=True if allow_dirty else None,
            **_budget_kwargs(limits),
        )
        _pause_at_editable_steps(flow, interactive)
        flow.prepare()
    drive(flow, text, interactive=interactive)


def _pause_at_editable_steps(flow: Workflow, interactive: bool) -> None:
    """Build the steps; with ``interactive``, pause after every step with an editable output."""
    editable = flow.editable_steps()
    if interactive:
        if not editable:
            fail(f"--interactive: workflow '{flow.name}' has no step whose output can be edited")
        flow.pause_after.update(editable)


@click.command("resume")
@click.argument("run_id")
@workspace_option
@model_option
@budget_option
@concurrency_option
@pause_option
@interactive_option
@click.pass_context
def resume_command(
    ctx: click.Context,
    run_id: str,
    workspace: Path,
    model: str | None,
    budget: str | None,
    max_concurrency: int | None,
    pause_after: tuple[str, ...],
    interactive: bool,
) -> None:
    """Continue a stopped run; recorded LLM replies are reused, never paid twice."""
    from autobyteus_core.workflow.workflow import Workflow

    _need_terminal(interactive)
    limits = parse_budget(budget)
    app = get_app(ctx)
    with cannot_start():
        flow = Workflow.load(
            run_id,
            workspace=workspace,
            app=app,
            settings=_settings(workspace),
            model=model,
            max_concurrency=max_concurrency,
            pause_after=pause_after,
            **_budget_kwargs(limits),
        )
        _pause_at_editable_steps(flow, interactive)
        flow.prepare()
    drive(flow, None, interactive=interactive)


# -- inspecting ------------------------------------------------------------------------------


def _load_runs(workspace: Path) -> list[RunState]:
    from autobyteus_core.workflow.run_journal import RunStore
    from autobyteus_core.workflow.run_record import RunState

    store = RunStore(workspace.expanduser().absolute())
    runs = []
    for run_id in store.run_ids():
        with contextlib.suppress(AutobyteusError, ValueError):
            runs.append(RunState.model_validate_json(store.read_state(run_id)))
    return runs


def _when(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _short(text: str, width: int = 50) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


@click.command("runs")
@workspace_option
@json_option
def runs_command(workspace: Path, as_json: bool) -> None:
    """List the runs stored in the workspace."""
    from autobyteus_core.cli.progress import format_cost

    runs = _load_runs(workspace)
    if as_json:
        echo_json([run.summary() for run in runs])
        return
    if not runs:
        echo(f"No runs in {workspace.expanduser().absolute()}.")
        return
    print_table(
        f"runs in {workspace.expanduser().absolute()}",
        ["run", "status", "workflow", "created", "tokens", "cost", "requirement"],
        [
            [
                run.run_id,
                run.display_status,
                run.workflow.name,
                _when(run.created_at),
                str(run.usage.total_tokens),
                format_cost(run.usage.cost_usd),
                _short(run.state.requirement),
            ]
            for run in runs
        ],
    )


def run_details(run: RunState, views: Sequence[OutputView] = ()) -> dict[str, Any]:
    """What ``autobyteus show --json`` prints: the summary, steps, files, state and the keys
    the steps' ``views`` add (the parsed plan)."""
    from autobyteus_core.cli.output_views import views_json

    details = {
        **run.summary(),
        "steps": [
            {
                **record.model_dump(mode="json", exclude={"output"}),
                "total_tokens": record.usage.total_tokens,
            }
            for record in run.steps.values()
        ],
        "files": [f.model_dump(mode="json") for f in run.files],
        "state": run.state.model_dump(mode="json"),
        "llm_calls": len(run.exchanges),
    }
    return {**details, **views_json(views, details)}


@click.command("show")
@click.argument("run_id")
@workspace_option
@json_option
@click.pass_context
def show_command(ctx: click.Context, run_id: str, workspace: Path, as_json: bool) -> None:
    """Show a run: status, steps, usage, files written and the parsed plan."""
    from autobyteus_core.cli.output_views import output_views, print_views
    from autobyteus_core.cli.progress import format_cost, format_seconds, print_summary
    from autobyteus_core.workflow.run_journal import RunStore

    with cannot_start():
        run = RunStore(workspace.expanduser().absolute()).load(run_id)
    views = output_views(get_app(ctx), run)
    if as_json:
        echo_json(run_details(run, views))
        return
    usage = run.usage
    echo(f"Run:         {run.run_id}  ({run.display_status})")
    echo(f"Workflow:    {run.workflow.name}")
    echo(f"Model:       {run.model_id or '-'}")
    echo(f"Created:     {_when(run.created_at)}   updated {_when(run.updated_at)}")
    echo(
        f"Usage:       {usage.total_tokens} tokens ({usage.prompt_tokens} prompt, "
        f"{usage.completion_tokens} completion) in {usage.calls} calls, "
        f"cost {format_cost(usage.cost_usd)}, {format_seconds(run.wall_time_s)}"
    )
    echo(f"Requirement: {_short(run.state.requirement, 200)}")
    if run.error:
        echo(f"Error:       {run.error}")
    if run.tests_run is False:
        echo(f"Tests:       not run: {_why_not_run(run)}")
    if run.git is not None:
        started = run.git.start_branch or "a detached HEAD"
        echo(f"Git:         branch {run.git.branch}, from {started} at {run.git.start[:10]}")
    print_summary(run)
    print_views(views)
    if run.files:
        latest = {f.path: f for f in run.files}
        print_table(
            "files",
            ["path", "change", "bytes"],
            [[f.path, f.action, str(f.bytes)] for f in latest.values()],
        )


@click.group("workflow")
def workflow_group() -> None:
    """Inspect the configured workflow."""


@workflow_group.command("show")
@click.option("--workflow", default=None, help="A registered workflow name or a .toml/.json file.")
@workspace_option
@json_option
@click.option(
    "--toml", "as_toml", is_flag=True, help="Print the definition as a TOML workflow file."
)
@click.pass_context
def workflow_show_command(
    ctx: click.Context, workflow: str | None, workspace: Path, as_json: bool, as_toml: bool
) -> None:
    """Show the configured workflow (--json: its to_json())."""
    from autobyteus_core.workflow.loading import dumps_workflow, find_workflow
    from autobyteus_core.workflow.workflow import Workflow

    app = get_app(ctx)
    with cannot_start():
        settings = _settings(workspace)
        definition = find_workflow(app, workflow or settings.workflow)
        flow = Workflow(definition, app=app, workspace=workspace, settings=settings)
    if as_json:
        echo(json.dumps(json.loads(flow.to_json()), indent=2))
        return
    if as_toml:
        with cannot_start():
            echo(dumps_workflow(definition), nl=False)
        return
    echo(f"{definition.name}: {definition.description}".rstrip(": "))
    _print_steps(app, flow.run_state)


def _print_steps(app: Application, run: RunState) -> None:
    for record in run.steps.values():
        if record.step in app.steps:
            about = app.steps.get(record.step).description
        else:
            about = "(no installed plugin registers this step)"
        echo(f"{'  ' * (record.depth + 1)}{record.id} [{record.step}] {about}".rstrip())
