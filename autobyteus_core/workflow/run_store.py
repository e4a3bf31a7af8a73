"""Plugin API 1.x alias: these names now live in ``run_journal``."""

from autobyteus_core.workflow.run_journal import (
    CONTROL_DIR as CONTROL_DIR,
    STATE_FILE as STATE_FILE,
    TRANSCRIPT_FILE as TRANSCRIPT_FILE,
    RunStore as RunStore,
)
