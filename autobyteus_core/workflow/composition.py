"""Composing workflow definitions in Python from step classes, step names or configs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from autobyteus_core.workflow.base_step import BaseStep
from autobyteus_core.workflow.errors import UnknownStepError, WorkflowError
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.registry import Registry

#: What :func:`compose_definition` accepts for one step.
StepSpec = type[BaseStep] | str | StepsTemplateConfig


def unknown_step_name(
    name: str, registry: Registry[type[BaseStep]], where: str = ""
) -> UnknownStepError:
    """The error for a step name nothing registered: the plugin that failed to provide it, or
    the registered names."""
    return UnknownStepError(registry.missing(name, where=where))


def _config_for(spec: StepSpec, app: Application) -> StepsTemplateConfig:
    if isinstance(spec, StepsTemplateConfig):
        return spec
    if isinstance(spec, str):
        return StepsTemplateConfig(step=spec)
    if isinstance(spec, type) and issubclass(spec, BaseStep):
        if not spec.name:
            raise WorkflowError(f"step class {spec.__qualname__} has no `name`")
        if spec.name not in app.steps:
            app.steps.add(spec.name, spec)
        elif app.steps.get(spec.name) is not spec:
            origin = app.steps.registration(spec.name).origin.describe()
            raise WorkflowError(
                f"step name '{spec.name}' of {spec.__qualname__} is already registered by {origin}"
            )
        return StepsTemplateConfig(step=spec.name)
    raise WorkflowError(
        f"a step is a BaseStep subclass, a step name or a StepsTemplateConfig, got {spec!r}"
    )


def compose_definition(
    steps: Sequence[StepSpec] | Mapping[str, StepSpec],
    *,
    app: Application,
    name: str = "custom",
    description: str = "",
) -> WorkflowDefinition:
    """A :class:`WorkflowDefinition` running ``steps`` in order.

    A sequence uses each step's name as its id; a mapping gives the ids. Step classes not yet
    registered in ``app`` are registered directly.
    """
    if isinstance(steps, Mapping):
        items = list(steps.items())
    else:
        items = []
        for spec in steps:
            config = _config_for(spec, app)
            items.append((config.step, config))
    configs: dict[str, StepsTemplateConfig] = {}
    for step_id, spec in items:
        if step_id in configs:
            raise WorkflowError(
                f"step id '{step_id}' is used twice; pass a mapping {{id: step}} to give ids"
            )
        configs[step_id] = _config_for(spec, app)
    if not configs:
        raise WorkflowError("a workflow needs at least one step")
    return WorkflowDefinition(name=name, description=description, steps=configs)
