"""What a run remembers about one of its steps."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from autobyteus_core.llm.usage import Usage
from autobyteus_core.workflow.workflow_status import WorkflowStatus


class StepRecord(BaseModel):
    """Status, result, usage, files and timing of one step (nested steps have paths such as
    ``"build/backend"``). ``usage`` and ``files`` include the step's sub-steps; ``wall_time_s``
    adds up over every attempt, resumed ones included."""

    id: str
    step: str
    status: WorkflowStatus = WorkflowStatus.PENDING
    summary: str = ""
    output: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    files: list[str] = Field(default_factory=list)
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    wall_time_s: float = 0.0

    @property
    def depth(self) -> int:
        """0 for a top-level step, 1 for its sub-steps, and so on."""
        return self.id.count("/")
