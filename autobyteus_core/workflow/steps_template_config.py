"""Workflow configuration as data: a tree of registered step names with options."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class StepsTemplateConfig(BaseModel):
    """One step of a workflow: ``{step: <registered name>, options: {...}, steps: {<id>: ...}}``.

    ``steps`` holds nested sub-steps, in order, keyed by their ids; the hierarchy is kept.
    ``pause_after`` stops the run once this step succeeds (``autobyteus resume`` continues it).
    """

    model_config = ConfigDict(extra="forbid")

    step: str
    options: dict[str, Any] = Field(default_factory=dict)
    steps: dict[str, StepsTemplateConfig] = Field(default_factory=dict)
    pause_after: bool = False


class WorkflowDefinition(BaseModel):
    """A named workflow: an ordered mapping of step ids to :class:`StepsTemplateConfig`.

    Loads from and saves to TOML or JSON (see :mod:`.loading`).
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    steps: dict[str, StepsTemplateConfig]

    def step_names(self) -> list[str]:
        """Every registered step name this workflow uses, nested ones included."""
        return [config.step for _, config in self.walk()]

    def walk(self) -> Iterator[tuple[str, StepsTemplateConfig]]:
        """``(path, config)`` of every step, parents before their sub-steps, in order."""

        def walk(
            prefix: str, steps: dict[str, StepsTemplateConfig]
        ) -> Iterator[tuple[str, StepsTemplateConfig]]:
            for step_id, config in steps.items():
                path = f"{prefix}{step_id}"
                yield path, config
                yield from walk(path + "/", config.steps)

        return walk("", self.steps)
