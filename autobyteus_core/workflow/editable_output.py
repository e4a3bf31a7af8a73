"""Plugin API 1.x alias: these names now live in ``base_step``."""

from autobyteus_core.workflow.base_step import (
    EditableOutput as EditableOutput,
)
