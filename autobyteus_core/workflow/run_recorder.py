"""Plugin API 1.x alias of :mod:`~autobyteus_core.workflow.run_journal`."""

from autobyteus_core.workflow.run_journal import (
    RunRecorder as RunRecorder,
)
