"""Plugin API 1.x alias: these names now live in ``step_context``."""

from autobyteus_core.workflow.step_context import (
    StepResult as StepResult,
)
