"""Plugin API 1.x alias: these names now live in ``loading``."""

from autobyteus_core.workflow.loading import (
    StepSpec as StepSpec,
    compose_definition as compose_definition,
    unknown_step_name as unknown_step_name,
)
