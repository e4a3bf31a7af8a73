"""The ``coding_steps`` plugin: registers the five coding steps and the default workflow.

Step modules are imported inside the hooks, so loading the plugin (``autobyteus --help``) costs
nothing; the steps load when a registry is first used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autobyteus_core import hookimpl

if TYPE_CHECKING:
    from autobyteus_core.workflow.base_step import BaseStep
    from autobyteus_core.workflow.steps_template_config import WorkflowDefinition

#: The plugin API versions this plugin supports.
AUTOBYTEUS_PLUGIN_API = ">=1,<2"


def step_classes() -> list[type[BaseStep]]:
    """The step classes of this plugin, in workflow order."""
    from autobyteus_coding_steps.steps.architecture_design_step import ArchitectureDesignStep
    from autobyteus_coding_steps.steps.implementation_step import ImplementationStep
    from autobyteus_coding_steps.steps.requirement_step import RequirementStep
    from autobyteus_coding_steps.steps.run_tests_step import RunTestsStep
    from autobyteus_coding_steps.steps.test_generation_step import TestGenerationStep

    return [
        RequirementStep,
        ArchitectureDesignStep,
        ImplementationStep,
        TestGenerationStep,
        RunTestsStep,
    ]


@hookimpl
def register_steps(register: Callable[[type[BaseStep]], None]) -> None:
    """Register ``requirement``, ``architecture_design``, ``implementation``,
    ``test_generation`` and ``run_tests``."""
    for step_class in step_classes():
        register(step_class)


@hookimpl
def register_workflows(register: Callable[[WorkflowDefinition], None]) -> None:
    """Register the default ``automated_coding`` workflow
    (:data:`autobyteus_core.workflow.config.WORKFLOW_CONFIG`)."""
    from autobyteus_core.workflow.config import WORKFLOW_CONFIG

    register(WORKFLOW_CONFIG)
