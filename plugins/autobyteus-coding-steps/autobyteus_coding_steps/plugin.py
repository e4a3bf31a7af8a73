"""The ``coding_steps`` plugin: registers the five coding steps and the default workflow.

The steps are registered by import path, so loading the plugin (``autobyteus --help``) and
listing what it registered (``autobyteus plugins``) import no step module, nor pydantic or jinja2;
a step's module loads when the step is first used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from autobyteus_core import Deferred, hookimpl

if TYPE_CHECKING:
    from autobyteus_core import BaseStep, WorkflowDefinition

#: The plugin API versions this plugin supports (1.5: typed step outputs, ``render_output``).
AUTOBYTEUS_PLUGIN_API = ">=1.5,<2"

#: The steps of this plugin in workflow order, each by name and import path.
STEPS: tuple[Deferred, ...] = tuple(
    Deferred(name, f"autobyteus_coding_steps.steps.{name}_step:{class_name}")
    for name, class_name in (
        ("requirement", "RequirementStep"),
        ("architecture_design", "ArchitectureDesignStep"),
        ("implementation", "ImplementationStep"),
        ("test_generation", "TestGenerationStep"),
        ("run_tests", "RunTestsStep"),
    )
)


def step_classes() -> list[type[BaseStep]]:
    """The step classes of this plugin, in workflow order (imports every step module)."""
    return [cast("type[BaseStep]", step.load()) for step in STEPS]


@hookimpl
def register_steps(register: Callable[[type[BaseStep] | Deferred], None]) -> None:
    """Register ``requirement``, ``architecture_design``, ``implementation``,
    ``test_generation`` and ``run_tests`` (each imported when first used)."""
    for step in STEPS:
        register(step)


@hookimpl
def register_workflows(register: Callable[[WorkflowDefinition | Deferred], None]) -> None:
    """Register the default ``automated_coding`` workflow
    (:data:`autobyteus_core.workflow.config.WORKFLOW_CONFIG`, imported when first used)."""
    register(Deferred("automated_coding", "autobyteus_core.workflow.config:WORKFLOW_CONFIG"))
