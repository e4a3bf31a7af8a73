"""Plugin API 1.x alias of :mod:`~autobyteus_core.workflow.base_step`."""

from autobyteus_core.workflow.base_step import (
    EditableOutput as EditableOutput,
)
