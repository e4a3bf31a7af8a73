"""Plugin API 1.x alias: these names now live in ``run_journal``."""

from autobyteus_core.workflow.run_journal import (
    RunRecorder as RunRecorder,
)
