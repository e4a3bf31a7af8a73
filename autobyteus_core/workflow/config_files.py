"""Workflow definitions as TOML or JSON files, and finding a workflow by name or file.

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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from autobyteus_core.errors import ConfigurationError
from autobyteus_core.workflow.composition import unknown_step_name
from autobyteus_core.workflow.config import DEFAULT_WORKFLOW_NAME, WORKFLOW_CONFIG
from autobyteus_core.workflow.steps_template_config import WorkflowDefinition

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.registry import Registry
    from autobyteus_core.workflow.base_step import BaseStep

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
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        )
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
    :data:`~autobyteus_core.workflow.config.WORKFLOW_CONFIG` when no plugin registered it."""
    ref = ref or default
    path = Path(ref).expanduser()
    if path.suffix.lower() in (".toml", ".json") or path.is_file():
        return load_workflow_file(path)
    if ref not in app.workflows and ref == DEFAULT_WORKFLOW_NAME:
        return WORKFLOW_CONFIG
    return app.workflows.get(ref)
