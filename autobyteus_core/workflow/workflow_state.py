"""Plugin API 1.x alias: these names now live in ``run_record``."""

from autobyteus_core.workflow.run_record import (
    WorkflowState as WorkflowState,
)
