"""The plugin contract as a table of contents: each hook spec says what a plugin registers.

The rules (when each hook is called, with what, what a failure costs, an example of each) are in
CONTRIBUTING.md's "Hook reference", and only there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

from autobyteus_core import hookspec

if TYPE_CHECKING:
    import click

    from autobyteus_core.batch.executor import Executor
    from autobyteus_core.deferred import Deferred
    from autobyteus_core.llm.llm_provider import LLMProvider
    from autobyteus_core.workflow.base_step import BaseStep
    from autobyteus_core.workflow.events import WorkflowEvent
    from autobyteus_core.workflow.steps_template_config import WorkflowDefinition
    from autobyteus_core.workspace.workspace_type import WorkspaceType

T_contra = TypeVar("T_contra", contravariant=True)


class Register(Protocol[T_contra]):
    """The ``register`` callback of the ``register_*`` hooks."""

    def __call__(self, item: T_contra | Deferred, *, replace: bool = False) -> None:
        """Register ``item`` (or a :class:`Deferred`) under its name; ``replace=True`` takes
        over a name an earlier plugin registered instead of being refused."""


@hookspec
def register_steps(register: Register[type[BaseStep]]) -> None:
    """Step classes, by their ``name`` (CONTRIBUTING.md: register_steps; API 1.0)."""


@hookspec
def register_llm_providers(register: Register[LLMProvider]) -> None:
    """LLM providers, by model-id prefix (CONTRIBUTING.md: register_llm_providers; API 1.0)."""


@hookspec
def register_workspace_settings(register: Register[WorkspaceType]) -> None:
    """Workspace types (CONTRIBUTING.md: register_workspace_settings; API 1.0)."""


@hookspec
def register_workflows(register: Register[WorkflowDefinition]) -> None:
    """Named workflow definitions (CONTRIBUTING.md: register_workflows; API 1.0)."""


@hookspec
def register_executors(register: Register[Executor]) -> None:
    """Batch executors, by ``--executor`` name (CONTRIBUTING.md: register_executors; API 1.2)."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """``autobyteus <name>`` sub-commands (CONTRIBUTING.md: register_commands; API 1.0)."""


@hookspec
def workflow_event(event: WorkflowEvent) -> None:
    """An observer of every workflow event (CONTRIBUTING.md: workflow_event; API 1.0)."""


#: Hook names that fill a registry through a ``register`` callback, in the order
#: :meth:`Application.fill_all` calls them.
REGISTER_HOOKS: tuple[str, ...] = (
    "register_steps",
    "register_llm_providers",
    "register_workspace_settings",
    "register_workflows",
    "register_executors",
)

#: Every hook name, as ``autobyteus plugins --hook`` accepts them.
ALL_HOOKS: tuple[str, ...] = (*REGISTER_HOOKS, "register_commands", "workflow_event")
