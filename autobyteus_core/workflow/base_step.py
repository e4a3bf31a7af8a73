"""The base class of every workflow step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from autobyteus_core.workflow.step_result import StepResult
    from autobyteus_core.workflow.workflow_context import WorkflowContext


class BaseStep:
    """A unit of a workflow. Subclasses set ``name`` and ``description`` and override
    :meth:`execute`.

    ``name`` is the registered name used in workflow configurations. ``prompt_templates`` maps a
    template key to a package resource (``"package.module:prompts/x.j2"``) or template text; the
    user may override any key through settings (``AUTOBYTEUS_PROMPTS__<step>__<key>=path``).
    A step instance is created per run with its id in the workflow, its options and its sub-steps.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    prompt_templates: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        step_id: str,
        options: dict[str, Any] | None = None,
        sub_steps: dict[str, BaseStep] | None = None,
    ) -> None:
        """Create the step ``step_id`` of a workflow with its ``options`` and ``sub_steps``."""
        self.step_id = step_id
        self.options: dict[str, Any] = dict(options or {})
        self.sub_steps: dict[str, BaseStep] = dict(sub_steps or {})

    async def execute(self, context: WorkflowContext) -> StepResult:
        """Do the step's work. The default runs the sub-steps in order (a composite step)."""
        return await context.run_sub_steps(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description: id, name, description, options and sub-steps."""
        return {
            "id": self.step_id,
            "step": self.name,
            "description": self.description,
            "options": self.options,
            "steps": {sid: sub.to_dict() for sid, sub in self.sub_steps.items()},
        }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.step_id!r} ({self.name})>"
