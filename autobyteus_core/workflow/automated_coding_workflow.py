"""``AutomatedCodingWorkflow``: the seed's workflow, a :class:`Workflow` of the default config."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autobyteus_core.app import Application
from autobyteus_core.workflow.config import DEFAULT_WORKFLOW_NAME, WORKFLOW_CONFIG
from autobyteus_core.workflow.workflow import Workflow

if TYPE_CHECKING:
    from autobyteus_core.workflow.steps_template_config import WorkflowDefinition


class AutomatedCodingWorkflow(Workflow):
    """requirement → architecture design → implementation → test generation → run tests.

    Uses the ``automated_coding`` workflow a plugin registered, else the built-in
    :data:`WORKFLOW_CONFIG`; the steps themselves come from
    the ``autobyteus-coding-steps`` plugin.
    """

    def __init__(
        self,
        definition: WorkflowDefinition | None = None,
        *,
        app: Application | None = None,
        **kwargs: Any,
    ) -> None:
        """The default workflow (or ``definition``); other arguments as for :class:`Workflow`."""
        app = app if app is not None else Application()
        if definition is None and kwargs.get("run") is None:
            workflows = app.workflows
            definition = (
                workflows.get(DEFAULT_WORKFLOW_NAME)
                if DEFAULT_WORKFLOW_NAME in workflows
                else WORKFLOW_CONFIG
            )
        super().__init__(definition, app=app, **kwargs)
