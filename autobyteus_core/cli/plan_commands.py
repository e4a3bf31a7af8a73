"""``autobyteus plan``: print a run's plan (any step's editable output), or replace it with an
edited copy before the run goes on with it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from autobyteus_core.cli.context import get_app
from autobyteus_core.cli.output import echo
from autobyteus_core.cli.run_commands import (
    EXIT_FAILED,
    _settings,
    cannot_start,
    fail,
    workspace_option,
)
from autobyteus_core.errors import AutobyteusError

if TYPE_CHECKING:
    from autobyteus_core.workflow.workflow import Workflow


def _draft_path(document: Path) -> Path:
    """Where an edit in progress is kept (``plan.draft.md`` next to ``plan.md``)."""
    return document.with_name(f"{document.stem}.draft{document.suffix}")


def apply_edit(workflow: Workflow, step_id: str, text: str, source: str) -> bool:
    """Store ``text`` as the output of ``step_id``; print the outcome. False when refused."""
    from autobyteus_core.workflow.errors import OutputEditError

    editable = workflow.step_at(step_id).editable
    assert editable is not None
    try:
        result = workflow.edit_output(step_id, text)
    except OutputEditError as exc:
        echo(f"Error: the edited {editable.what} in {source} was not taken:\n{exc}", err=True)
        return False
    echo(f"Run {workflow.run_id}: the edited {editable.what} is stored ({result.summary}).")
    for note in result.output.get("notes") or []:
        echo(f"  note: {note}")
    return True


def edit_in_editor(workflow: Workflow, step_id: str) -> bool:
    """Open the document of ``step_id`` in ``$VISUAL``/``$EDITOR`` and store the edit. A refused
    edit is kept as a draft, which the next edit opens again. False when nothing was stored."""
    workflow.check_editable(step_id)
    document = workflow.document_path(step_id)
    draft = _draft_path(document)
    if draft.is_file():
        echo(f"Opening your earlier edit, {draft}.", err=True)
    else:
        draft.write_text(document.read_text(encoding="utf-8"), encoding="utf-8")
    click.edit(filename=str(draft))
    text = draft.read_text(encoding="utf-8")
    if text == document.read_text(encoding="utf-8"):
        draft.unlink()
        echo("No change.")
        return False
    if apply_edit(workflow, step_id, text, str(draft)):
        draft.unlink()
        return True
    echo(
        f"Your edit is kept in {draft}; `autobyteus plan {workflow.run_id} --edit` opens it again.",
        err=True,
    )
    return False


@click.command("plan")
@click.argument("run_id")
@workspace_option
@click.option("--edit", is_flag=True, help="Edit the plan in $VISUAL or $EDITOR and store it.")
@click.option(
    "--file",
    "edited",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Store this edited copy of the plan.",
)
@click.option(
    "--step",
    default=None,
    help="The step whose output to show or edit (default: the first "
    "step that keeps an editable output, such as architecture_design).",
)
@click.pass_context
def plan_command(
    ctx: click.Context,
    run_id: str,
    workspace: Path,
    edit: bool,
    edited: Path | None,
    step: str | None,
) -> None:
    """Print a run's plan, or replace it (--edit, --file) before it is implemented.

    An edited plan is read like the model's: a task with an unsafe path, an unknown field or
    a dependency on a later task is refused with the reason and nothing changes. Once a later
    step has started, the plan can no longer be edited. `autobyteus resume RUN_ID` then goes
    on with the stored plan.
    """
    from autobyteus_core.workflow.workflow import Workflow

    if edit and edited is not None:
        fail("give --edit or --file, not both")
    with cannot_start():
        flow = Workflow.load(
            run_id, workspace=workspace, app=get_app(ctx), settings=_settings(workspace)
        )
        editable = flow.editable_steps()
        if step is None and not editable:
            fail(f"workflow '{flow.name}' has no step that keeps an editable plan")
        step_id = step or editable[0]
        document = flow.document_path(step_id)
    try:
        if edit:
            stored = edit_in_editor(flow, step_id)
            raise SystemExit(0 if stored or not _draft_path(document).exists() else EXIT_FAILED)
        if edited is not None:
            flow.check_editable(step_id)
            text = edited.read_text(encoding="utf-8")
            raise SystemExit(0 if apply_edit(flow, step_id, text, str(edited)) else EXIT_FAILED)
    except AutobyteusError as exc:
        fail(str(exc), EXIT_FAILED)
    if not document.is_file():
        fail(f"run {flow.run_id} has no {document.name} yet: step '{step_id}' has not succeeded")
    echo(document.read_text(encoding="utf-8"), nl=False)
