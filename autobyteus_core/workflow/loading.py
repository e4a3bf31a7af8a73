"""Loading workflow definitions: composed in Python from step classes, step names or configs,
read from TOML or JSON files, or found by name.

A TOML workflow::

    name = "docs"
    description = "outline, then write"

    [steps.outline]
    step = "outline"

    [steps.write]
    step = "write"
    options = { words = 300 }

    [steps.write.steps.intro]     # a nested sub-step of "write"
    step = "write_section"

Steps run in the order they appear.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from autobyteus_core.errors import ConfigurationError, validation_problems
from autobyteus_core.workflow.base_step import BaseStep
from autobyteus_core.workflow.config import DEFAULT_WORKFLOW_NAME, WORKFLOW_CONFIG
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


FORMATS = ("toml", "json")


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ConfigurationError(f"{path}: a workflow file ends in .toml or .json")
    return suffix


def loads_workflow(
    text: str, format: str = "toml", *, source: str = "<text>"
) -> WorkflowDefinition:
    """Parse a workflow definition from TOML or JSON text."""
    data: Any
    try:
        if format == "toml":
            from autobyteus_core.tomlcompat import tomllib

            data = tomllib.loads(text)
        elif format == "json":
            data = json.loads(text)
        else:
            raise ConfigurationError(f"unknown workflow format {format!r}; use toml or json")
    except ValueError as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise ConfigurationError(f"{source}: not valid {format.upper()}: {exc}") from exc
    try:
        return WorkflowDefinition.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc)
        raise ConfigurationError(f"{source}: not a workflow definition: {problems}") from exc


def dumps_workflow(definition: WorkflowDefinition, format: str = "toml") -> str:
    """``definition`` as TOML or JSON text (empty options and sub-steps left out)."""
    data = definition.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("steps", {})
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format != "toml":
        raise ConfigurationError(f"unknown workflow format {format!r}; use toml or json")
    import tomli_w

    try:
        return tomli_w.dumps(data)
    except TypeError as exc:
        raise ConfigurationError(f"workflow '{definition.name}' cannot be TOML: {exc}") from exc


def load_workflow_file(
    path: Path | str, steps: Registry[type[BaseStep]] | None = None
) -> WorkflowDefinition:
    """Read a ``.toml`` or ``.json`` workflow; with ``steps``, also check every step name is
    registered (an unknown one raises, listing the registered steps)."""
    path = Path(path)
    format = _format_of(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read workflow file {path}: {exc.strerror or exc}"
        ) from exc
    definition = loads_workflow(text, format, source=str(path))
    if steps is not None:
        check_step_names(definition, steps)
    return definition


def save_workflow_file(definition: WorkflowDefinition, path: Path | str) -> None:
    """Write ``definition`` to a ``.toml`` or ``.json`` file."""
    path = Path(path)
    path.write_text(dumps_workflow(definition, _format_of(path)), encoding="utf-8")


def check_step_names(definition: WorkflowDefinition, steps: Registry[type[BaseStep]]) -> None:
    """Raise for the first step name of ``definition`` that nothing registered."""
    for name in definition.step_names():
        if name not in steps:
            raise unknown_step_name(name, steps, where=f"workflow '{definition.name}'")


def find_workflow(
    app: Application, ref: str | None, default: str = DEFAULT_WORKFLOW_NAME
) -> WorkflowDefinition:
    """The workflow ``ref`` names: a ``.toml``/``.json`` file, else a registered workflow name
    (``default`` when None). The default workflow falls back to the built-in
    :data:`WORKFLOW_CONFIG` when no plugin registered it."""
    ref = ref or default
    path = Path(ref).expanduser()
    if path.suffix.lower() in (".toml", ".json") or path.is_file():
        return load_workflow_file(path)
    if ref not in app.workflows and ref == DEFAULT_WORKFLOW_NAME:
        return WORKFLOW_CONFIG
    return app.workflows.get(ref)
