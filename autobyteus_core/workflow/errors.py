"""Errors raised by the workflow engine."""

from __future__ import annotations

from autobyteus_core.errors import AutobyteusError


class WorkflowError(AutobyteusError):
    """A workflow could not be built or run."""


class UnknownStepError(WorkflowError, KeyError):
    """A step id or step name does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class BudgetExceededError(WorkflowError):
    """The next LLM call would exceed the run's token or cost budget. The run is saved and can be
    resumed with a larger budget."""


class StepFailedError(WorkflowError):
    """A step gave up; its message is the parse or failure report shown to the user."""


class OutputEditError(WorkflowError):
    """An edited step output was refused; the message says what to fix. Nothing was changed."""
