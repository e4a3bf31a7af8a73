"""The data a workflow accumulates as its steps run; saved with the run and restored on resume."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from autobyteus_core.workflow.subtask import Subtask


class WorkflowState(BaseModel):
    """What steps hand to later steps. Everything here is JSON-serialisable and secret-free.

    ``data`` is free-form room for plugin steps, keyed by the plugin's own names.
    """

    requirement: str = ""
    requirement_document: str | None = None
    design_document: str | None = None
    subtasks: list[Subtask] = Field(default_factory=list)
    files_written: list[str] = Field(default_factory=list)
    test_files: list[str] = Field(default_factory=list)
    test_results: list[dict[str, Any]] = Field(default_factory=list)
    #: Why the tests never ran (no test command for the workspace type...); None when they ran
    #: or no step runs tests. A run that succeeded without them must not look like one that
    #: passed them: ``autobyteus run`` warns and ``show --json`` reports ``tests_run: false``.
    tests_not_run: str | None = None
    #: The tests that passed before the run changed anything and fail in the last test run
    #: (``show --json`` reports them; a run ending with any has not succeeded).
    regressions: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
