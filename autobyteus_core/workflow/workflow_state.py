"""Plugin API 1.x alias: these names now live in ``run_record``."""

from autobyteus_core.workflow.run_record import (
    FORMER_FIELDS as FORMER_FIELDS,
    StepOutputs as StepOutputs,
    TestsOutcome as TestsOutcome,
    WorkflowState as WorkflowState,
)
