"""The states of a workflow run and of each of its steps."""

from __future__ import annotations

from enum import Enum


class WorkflowStatus(str, Enum):
    """pending → running → succeeded | failed | cancelled | paused (a resumed run goes back to
    running). ``paused``: the run stopped after a step it was asked to pause after."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"

    @property
    def is_final(self) -> bool:
        """Whether nothing more will happen in this state without a resume."""
        return self in (
            WorkflowStatus.SUCCEEDED,
            WorkflowStatus.FAILED,
            WorkflowStatus.CANCELLED,
            WorkflowStatus.PAUSED,
        )
