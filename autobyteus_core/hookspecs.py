"""The whole plugin contract: every hook a plugin may implement.

Each ``register_*`` hook receives a ``register`` callback. The core owns the registries and records,
for everything registered, which plugin, distribution and version provided it. Implementations may
accept fewer arguments than the spec (a pluggy rule), so specs can grow without breaking plugins.

Hooks are called once per plugin, in isolation: an exception in one plugin's ``register_*`` hook
skips that plugin with a warning (or re-raises when ``AUTOBYTEUS_STRICT_PLUGINS=1``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autobyteus_core import hookspec

if TYPE_CHECKING:
    import click

    from autobyteus_core.llm.llm_provider import LLMProvider
    from autobyteus_core.workflow.base_step import BaseStep
    from autobyteus_core.workflow.events import WorkflowEvent
    from autobyteus_core.workflow.steps_template_config import WorkflowDefinition
    from autobyteus_core.workspace.workspace_type import WorkspaceType


@hookspec
def register_steps(register: Callable[[type[BaseStep]], None]) -> None:
    """Register workflow step classes.

    Call ``register(StepClass)`` once per :class:`~autobyteus_core.workflow.base_step.BaseStep`
    subclass the plugin ships. The class attribute ``StepClass.name`` is its registered name, used
    in workflow configurations; a name already registered by another plugin is rejected with an
    error naming both plugins. Added in plugin API 1.0.
    """


@hookspec
def register_llm_providers(register: Callable[[LLMProvider], None]) -> None:
    """Register LLM providers.

    Call ``register(provider)`` with an :class:`~autobyteus_core.llm.llm_provider.LLMProvider`
    instance. A provider owns the prefix of model ids ``"<provider.name>:<model>"``, lists the
    models it knows and builds an :class:`~autobyteus_core.llm.llm_integration.LLMIntegration`
    on demand. Import heavy SDKs inside ``create()``, never at module top level. Added in 1.0.
    """


@hookspec
def register_workspace_settings(register: Callable[[WorkspaceType], None]) -> None:
    """Register workspace types.

    Call ``register(workspace_type)`` with a
    :class:`~autobyteus_core.workspace.workspace_type.WorkspaceType`: how to detect a project kind in
    a folder, its test command and the layout conventions prompts show the LLM. When several types
    detect a folder, the highest ``priority`` wins. Added in 1.0.
    """


@hookspec
def register_workflows(register: Callable[[WorkflowDefinition], None]) -> None:
    """Register named workflow configurations.

    Call ``register(definition)`` with a
    :class:`~autobyteus_core.workflow.steps_template_config.WorkflowDefinition` (a name, a
    description and an ordered tree of steps referring to registered step names). Added in 1.0.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``autobyteus`` command-line interface.

    ``cli`` is a :class:`click.Group` that collects this plugin's commands: use
    ``@cli.command()``, ``@cli.group()`` or ``cli.add_command(...)``; each becomes
    ``autobyteus <name>``. A name that is already a built-in command or another plugin's fails
    this plugin (its other registrations are dropped too). Called at most once per CLI run,
    when the command list is needed (``--help``, an unknown built-in name), so keep it cheap:
    import heavy modules inside the command's body. Use
    :func:`autobyteus_core.cli.context.get_app` inside a command to reach the registries.
    Added in 1.0.
    """


@hookspec
def workflow_event(event: WorkflowEvent) -> None:
    """Observe every workflow event.

    Called for step started/finished/failed, LLM call started/finished (tokens, cost, latency) and
    file written events, with a :class:`~autobyteus_core.workflow.events.WorkflowEvent`. Return
    values are ignored. An exception raised here is logged and never stops the workflow. Called
    synchronously on the event loop: hand slow work to a thread. Added in 1.0.
    """


#: Hook names that fill a registry through a ``register`` callback, in the order they are called.
REGISTER_HOOKS: tuple[str, ...] = (
    "register_steps",
    "register_llm_providers",
    "register_workspace_settings",
    "register_workflows",
)

ALL_HOOKS: tuple[str, ...] = (*REGISTER_HOOKS, "register_commands", "workflow_event")
