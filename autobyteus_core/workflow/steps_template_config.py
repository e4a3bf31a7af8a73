"""Workflow configuration as data: a tree of registered step names with options."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class StepsTemplateConfig(BaseModel):
    """One step of a workflow: ``{step: <registered name>, options: {...}, steps: {<id>: ...}}``.

    ``steps`` holds nested sub-steps, in order, keyed by their ids; the hierarchy is kept.
    """

    model_config = ConfigDict(extra="forbid")

    step: str
    options: dict[str, Any] = Field(default_factory=dict)
    steps: dict[str, StepsTemplateConfig] = Field(default_factory=dict)


class WorkflowDefinition(BaseModel):
    """A named workflow: an ordered mapping of step ids to :class:`StepsTemplateConfig`.

    Loads from and saves to TOML or JSON (see :mod:`autobyteus_core.workflow.config_files`).
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    steps: dict[str, StepsTemplateConfig]

    def step_names(self) -> list[str]:
        """Every registered step name this workflow uses, nested ones included."""
        names: list[str] = []

        def walk(steps: dict[str, StepsTemplateConfig]) -> None:
            for config in steps.values():
                names.append(config.step)
                walk(config.steps)

        walk(self.steps)
        return names
