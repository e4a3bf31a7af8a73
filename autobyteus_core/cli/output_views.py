"""What ``autobyteus show`` prints of the steps' outputs: each step is asked how they look."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autobyteus_core.cli.output import echo, print_table

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.workflow.base_step import OutputView
    from autobyteus_core.workflow.run_record import RunState


def output_views(app: Application, run: RunState) -> list[OutputView]:
    """The :meth:`BaseStep.render_output` of every step of ``run`` an installed plugin
    registers, in workflow order, each distinct view once (steps sharing outputs show them
    once). A step that cannot render is named on stderr and left out."""
    views: list[OutputView] = []
    for path, config in run.workflow.walk():
        record = run.steps.get(path)
        if record is None or config.step not in app.steps:
            continue
        try:
            step = app.steps.get(config.step)(path.rsplit("/", 1)[-1], dict(config.options))
            view = step.render_output(run.state, record)
        except Exception as exc:  # a plugin's bug or a damaged state must not hide the run
            echo(f"Warning: step '{path}' cannot show its output: {exc}", err=True)
            continue
        if view is not None and view not in views:
            views.append(view)
    return views


def views_json(views: Sequence[OutputView], taken: dict[str, Any]) -> dict[str, Any]:
    """The views' JSON keys not already in ``taken`` (the first to give a key keeps it)."""
    added: dict[str, Any] = {}
    for view in views:
        for key, value in view.json.items():
            if key not in taken and key not in added:
                added[key] = value
    return added


def print_views(views: Sequence[OutputView]) -> None:
    """Print every table of ``views``."""
    for view in views:
        for table in view.tables:
            print_table(table.title, table.columns, table.rows)
