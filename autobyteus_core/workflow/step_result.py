"""Plugin API 1.x alias of :mod:`~autobyteus_core.workflow.step_context`."""

from autobyteus_core.workflow.step_context import (
    StepResult as StepResult,
)
