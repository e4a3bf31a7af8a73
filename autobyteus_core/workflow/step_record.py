"""Plugin API 1.x alias of :mod:`~autobyteus_core.workflow.run_record`."""

from autobyteus_core.workflow.run_record import (
    StepRecord as StepRecord,
)
