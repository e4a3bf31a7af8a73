"""``WORKFLOW_CONFIG``: the default automated-coding workflow, as data.

The step names are registered by the ``autobyteus-coding-steps`` plugin, which also registers
this definition through ``register_workflows``.
"""

from __future__ import annotations

from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition

DEFAULT_WORKFLOW_NAME = "automated_coding"

WORKFLOW_CONFIG = WorkflowDefinition(
    name=DEFAULT_WORKFLOW_NAME,
    description=(
        "requirement → architecture design (ordered subtasks) → implementation → "
        "test generation → run tests and fix failures"
    ),
    steps={
        "requirement": StepsTemplateConfig(step="requirement"),
        "architecture_design": StepsTemplateConfig(step="architecture_design"),
        "implementation": StepsTemplateConfig(step="implementation"),
        "test_generation": StepsTemplateConfig(step="test_generation"),
        "run_tests": StepsTemplateConfig(step="run_tests"),
    },
)
