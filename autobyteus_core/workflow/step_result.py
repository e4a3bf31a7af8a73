"""What a step's ``execute`` returns."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from autobyteus_core.workflow.workflow_status import WorkflowStatus


class StepResult(BaseModel):
    """A step's final status, a one-line summary for people, and JSON-ready output."""

    status: WorkflowStatus = WorkflowStatus.SUCCEEDED
    summary: str = ""
    output: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
