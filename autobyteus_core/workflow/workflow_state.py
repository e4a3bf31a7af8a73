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
    data: dict[str, Any] = Field(default_factory=dict)
