"""``autobyteus diff`` and ``autobyteus undo``: a run's work in git, reviewed or taken back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from autobyteus_core.cli.output import echo
from autobyteus_core.cli.run_commands import cannot_start, fail, workspace_option

if TYPE_CHECKING:
    from autobyteus_core.workflow.run_git import RunGit
    from autobyteus_core.workflow.run_record import RunState


def _run_git(workspace: Path, run_id: str) -> tuple[RunState, RunGit]:
    """The saved run ``run_id`` and its git side; exits with a message when it has none."""
    from autobyteus_core.workflow.errors import WorkflowError
    from autobyteus_core.workflow.run_git import RunGit
    from autobyteus_core.workflow.run_journal import RunStore
    from autobyteus_core.workflow.run_record import RunState

    root = workspace.expanduser().absolute()
    store = RunStore(root)
    resolved = store.resolve_id(run_id)
    try:
        run = RunState.model_validate_json(store.read_state(resolved))
    except ValueError as exc:
        raise WorkflowError(f"run {resolved} has an unreadable state.json: {exc}") from exc
    if run.git is None:
        fail(
            f"run {resolved} did not work in git (it ran outside a repository, or with "
            "--no-git), so there is no branch to show or undo"
        )
    git = RunGit.open(root, resolved, run.git)
    assert git is not None  # open() raises for a recorded run outside a repository
    return run, git


@click.command("diff")
@click.argument("run_id")
@workspace_option
@click.option("--stat", is_flag=True, help="Only the files changed and how much.")
def diff_command(run_id: str, workspace: Path, stat: bool) -> None:
    """Show a run's whole change in git: its branch against where it started."""
    with cannot_start():
        _, git = _run_git(workspace, run_id)
        text = git.diff(stat=stat)
    if not text:
        echo(f"Run {git.run_id} changed nothing.", err=True)
        return
    click.echo(text, nl=not text.endswith("\n"))


@click.command("undo")
@click.argument("run_id")
@workspace_option
def undo_command(run_id: str, workspace: Path) -> None:
    """Put the repository back as it was before a run, deleting the run's branch."""
    with cannot_start():
        run, git = _run_git(workspace, run_id)
        if run.is_live_elsewhere():
            fail(f"run {run.run_id} is being run by process {run.pid}; stop it first")
        done = git.undo()
    echo(done[0].upper() + done[1:] + ".")
