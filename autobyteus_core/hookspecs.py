"""The whole plugin contract: every hook a plugin may implement.

Each ``register_*`` hook receives a ``register`` callback. The core owns the registries and records,
for everything registered, which plugin, distribution and version provided it. Every ``register``
also accepts :class:`~autobyteus_core.deferred.Deferred` ``(name, "package.module:attribute")``
instead of the item (plugin API 1.1): the name is registered now and the module imported the
first time the item is used, so listing commands never import it. Implementations may
accept fewer arguments than the spec (a pluggy rule), so specs can grow without breaking plugins.

Plugins are called in precedence order: the core's defaults, first-party plugins, then the others
by distribution name. A name that an earlier plugin registered is refused for the newcomer only
(one warning naming both; the newcomer's other registrations stay), unless the newcomer calls
``register(item, replace=True)`` (plugin API 1.3), which takes the name over and is recorded.

Hooks are called once per plugin, in isolation: an exception in one plugin's ``register_*`` or
``register_commands`` hook skips that plugin with a one-line warning and drops what it had
registered (or raises :class:`~autobyteus_core.errors.PluginLoadError` when
``AUTOBYTEUS_STRICT_PLUGINS=1``); an exception in ``workflow_event`` is only logged.
CONTRIBUTING.md documents each hook with an example.
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
    """Register workflow step classes.

    Call ``register(StepClass)`` once per :class:`~autobyteus_core.workflow.base_step.BaseStep`
    subclass the plugin ships (the class, not an instance). The class attribute
    ``StepClass.name`` is its registered name, used in workflow configurations (or call
    ``register(Deferred(name, "pkg.module:StepClass"))``); a name an earlier plugin
    registered is refused with a warning naming both plugins (``replace=True`` takes it over).
    Called once per
    :class:`~autobyteus_core.app.Application`, the first time its step registry is used.
    Added in plugin API 1.0.
    """


@hookspec
def register_llm_providers(register: Register[LLMProvider]) -> None:
    """Register LLM providers.

    Call ``register(provider)`` with an :class:`~autobyteus_core.llm.llm_provider.LLMProvider`
    instance (or a ``Deferred`` naming the instance or the provider class). A provider owns the
    prefix of model ids ``"<provider.name>:<model>"``, lists the
    models it knows and builds an :class:`~autobyteus_core.llm.llm_integration.LLMIntegration`
    on demand. Import heavy SDKs inside ``create()``, never at module top level. A provider with
    settings names its :class:`~autobyteus_core.settings.PluginSettings` subclass as
    ``settings_class`` (``autobyteus config show`` lists it). Called once per application, the
    first time a model is resolved or listed. Added in 1.0.
    """


@hookspec
def register_workspace_settings(register: Register[WorkspaceType]) -> None:
    """Register workspace types.

    Call ``register(workspace_type)`` with a
    :class:`~autobyteus_core.workspace.workspace_type.WorkspaceType`: how to detect a project kind in
    a folder, its test command and the layout conventions prompts show the LLM. When several types
    detect a folder, the highest ``priority`` wins. Called once per application, the first time a
    workspace's type is decided. Added in 1.0.
    """


@hookspec
def register_workflows(register: Register[WorkflowDefinition]) -> None:
    """Register named workflow configurations.

    Call ``register(definition)`` with a
    :class:`~autobyteus_core.workflow.steps_template_config.WorkflowDefinition` (a name, a
    description and an ordered tree of steps referring to registered step names, which may come
    from other plugins). Called once per application, the first time its workflow registry is
    used. Added in 1.0.
    """


@hookspec
def register_executors(register: Register[Executor]) -> None:
    """Register batch executors.

    Call ``register(executor)`` with an :class:`~autobyteus_core.batch.executor.Executor`
    instance (or a ``Deferred`` naming it or its class); its ``name`` is what
    ``autobyteus batch run --executor`` takes. An executor runs the items of a batch, at most
    ``--jobs`` at once, in this process or elsewhere; import what it runs on (a cluster client)
    inside :meth:`~autobyteus_core.batch.executor.Executor.run`. Called once per application,
    the first time its executor registry is used. Added in 1.2.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``autobyteus`` command-line interface.

    ``cli`` is a :class:`click.Group` that collects this plugin's commands: use
    ``@cli.command()``, ``@cli.group()`` or ``cli.add_command(...)``; each becomes
    ``autobyteus <name>``. A name that is already a built-in command or an earlier plugin's is
    refused for this plugin only, with a warning naming the owner (commands cannot be replaced).
    Called at most once per CLI run,
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


#: Hook names that fill a registry through a ``register`` callback, in the order
#: :meth:`~autobyteus_core.app.Application.fill_all` calls them.
REGISTER_HOOKS: tuple[str, ...] = (
    "register_steps",
    "register_llm_providers",
    "register_workspace_settings",
    "register_workflows",
    "register_executors",
)

#: Every hook name, as ``autobyteus plugins --hook`` accepts them.
ALL_HOOKS: tuple[str, ...] = (*REGISTER_HOOKS, "register_commands", "workflow_event")
