"""Plugin API 1.x alias: these names now live in ``run_record``."""

from autobyteus_core.workflow.run_record import (
    RUN_FORMAT as RUN_FORMAT,
    RunState as RunState,
    step_paths as step_paths,
)
