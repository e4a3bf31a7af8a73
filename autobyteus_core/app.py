"""The application object: one plugin host and the registries it fills.

There are no module-level registries: the CLI uses one :class:`Application`, and every test makes
a fresh one (the testing kit's ``autobyteus_app`` fixture), so nothing leaks between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from autobyteus_core.errors import ConfigurationError, PluginLoadError
from autobyteus_core.hookspecs import REGISTER_HOOKS
from autobyteus_core.llm.llm_integration_registry import LLMIntegrationRegistry
from autobyteus_core.plugins import DEFAULT_PLUGINS, PluginHost, PluginRecord
from autobyteus_core.registry import (
    DuplicateRegistrationError,
    PluginOrigin,
    Registry,
    instance_name,
)

if TYPE_CHECKING:
    from autobyteus_core.batch.executor import Executor
    from autobyteus_core.workflow.base_step import BaseStep
    from autobyteus_core.workflow.events import WorkflowEvent
    from autobyteus_core.workflow.steps_template_config import WorkflowDefinition
    from autobyteus_core.workspace.workspace_type import WorkspaceType


class Application:
    """Owns the plugin host and the step, LLM provider, workspace type, workflow and batch
    executor registries.

    Plugins load lazily: the first access to a registry loads them (once) and calls the one hook
    that fills it. Pass ``entry_points=False`` for an isolated application that sees only the
    default plugins and whatever is added with :meth:`add_plugin`; pass ``default_plugins=()``
    to leave those out too.
    """

    def __init__(
        self,
        *,
        entry_points: bool = True,
        default_plugins: Iterable[str] = DEFAULT_PLUGINS,
    ) -> None:
        """Create an application; nothing is loaded until a registry is first used."""
        self.host = PluginHost()
        self.host.on_failure.append(self._forget_origin)
        self._entry_points = entry_points
        self._default_plugins = tuple(default_plugins)
        self._steps: Registry[type[BaseStep]] = Registry("step", step_name)
        self._llm = LLMIntegrationRegistry()
        self._workspace_types: Registry[WorkspaceType] = Registry(
            "workspace type",
            instance_name(
                "register_workspace_settings",
                "autobyteus_core.workspace.workspace_type:WorkspaceType",
            ),
        )
        self._workflows: Registry[WorkflowDefinition] = Registry(
            "workflow",
            instance_name(
                "register_workflows",
                "autobyteus_core.workflow.steps_template_config:WorkflowDefinition",
            ),
        )
        self._executors: Registry[Executor] = Registry(
            "executor",
            instance_name("register_executors", "autobyteus_core.batch.executor:Executor"),
        )
        for registry in self._registries():
            registry.on_load_failure.append(self._fail_plugin_of)
            registry.missing_hint = self._failed_plugins_hint
        self._filled: set[str] = set()

    # -- registries (each filled on first use) ---------------------------------------------------

    @property
    def steps(self) -> Registry[type[BaseStep]]:
        """Registered step classes by name (``register_steps``)."""
        self._fill("register_steps")
        return self._steps

    @property
    def llm(self) -> LLMIntegrationRegistry:
        """The :class:`LLMIntegrationRegistry` of providers (``register_llm_providers``)."""
        self._fill("register_llm_providers")
        return self._llm

    @property
    def workspace_types(self) -> Registry[WorkspaceType]:
        """Registered workspace types by name (``register_workspace_settings``)."""
        self._fill("register_workspace_settings")
        return self._workspace_types

    @property
    def workflows(self) -> Registry[WorkflowDefinition]:
        """Registered workflow definitions by name (``register_workflows``)."""
        self._fill("register_workflows")
        return self._workflows

    @property
    def executors(self) -> Registry[Executor]:
        """Registered batch executors by name (``register_executors``)."""
        self._fill("register_executors")
        return self._executors

    def _registries(self) -> tuple[Registry[Any], ...]:
        return (
            self._steps,
            self._llm.providers,
            self._workspace_types,
            self._workflows,
            self._executors,
        )

    # -- plugins ---------------------------------------------------------------------------------

    def load_plugins(self) -> None:
        """Load plugins now (otherwise done on first registry access). Idempotent."""
        self.host.load(entry_points=self._entry_points, default_plugins=self._default_plugins)

    def add_plugin(self, plugin: object, name: str | None = None, **origin: Any) -> PluginRecord:
        """Register a plugin object or module directly, and fill the registries already in use
        from it. ``origin`` may give ``distribution`` and ``version``. Returns its record (check
        ``record.failed`` outside strict mode)."""
        self.load_plugins()
        record = self.host.add_object(plugin, name or _plugin_name(plugin), **origin)
        for hook in REGISTER_HOOKS:
            if hook in self._filled and not record.failed:
                self._call_register_hook(hook, record)
        return record

    def remove_plugin(self, name: str) -> None:
        """Unregister plugin ``name`` and drop everything it registered."""
        self._forget(name)
        self.host.remove(name)

    def plugin_records(self) -> list[PluginRecord]:
        """Every plugin tried, failed and disabled ones included, with what each registered."""
        self.fill_all()
        return list(self.host.records.values())

    def fill_all(self) -> None:
        """Fill every registry now (calls every ``register_*`` hook)."""
        for hook in REGISTER_HOOKS:
            self._fill(hook)

    def _fill(self, hook: str) -> None:
        if hook in self._filled:
            return
        self._filled.add(hook)
        self.load_plugins()
        for record in self.host.active_records():
            self._call_register_hook(hook, record)

    def _call_register_hook(self, hook: str, record: PluginRecord) -> None:
        """Call one plugin's ``register_*`` hook. A name an earlier plugin holds is refused for
        this plugin only (:meth:`PluginHost.refuse`) unless it passes ``replace=True``; every
        registry gets these rules through this one callback."""
        registry = self._registry_filled_by(hook)
        kind = hook.removeprefix("register_")
        names: list[str] = []
        replaces: list[str] = []

        def register(item: Any, *, replace: bool = False) -> None:
            try:
                entry = registry.register(item, record.origin, replace=replace)
            except DuplicateRegistrationError as exc:
                self.host.refuse(record, exc, kind)
                return
            names.append(entry.name)
            if entry.replaced is not None:
                replaces.append(
                    f"{registry.kind} '{entry.name}' from {entry.replaced.origin.describe()}"
                )

        for _record, result in self.host.call_per_plugin(hook, [record], register=register):
            if not isinstance(result, BaseException):
                record.registered.setdefault(kind, []).extend(names)
                record.replaces.extend(replaces)

    def _registry_filled_by(self, hook: str) -> Registry[Any]:
        registries: dict[str, Registry[Any]] = {
            "register_steps": self._steps,
            "register_llm_providers": self._llm.providers,
            "register_workspace_settings": self._workspace_types,
            "register_workflows": self._workflows,
            "register_executors": self._executors,
        }
        return registries[hook]

    def load_everything(self) -> None:
        """Fill every registry and import every item registered by import path now (what
        ``autobyteus plugins --check`` does); a plugin whose item fails to load is failed."""
        self.fill_all()
        for registry in self._registries():
            registry.registrations()
        for registration in self._workspace_types.registrations():
            try:  # a type's own import path, imported on first use like a Deferred's
                registration.item.map_builder()
            except ConfigurationError as exc:
                self._fail_plugin_of(registration.origin, PluginLoadError(str(exc)))

    def _fail_plugin_of(self, origin: PluginOrigin, error: PluginLoadError) -> None:
        record = self.host.records.get(origin.plugin)
        if record is not None and not record.failed:
            self.host.fail(record, "could not load what it registered", error)

    def _forget_origin(self, record: PluginRecord) -> None:
        self._forget(record.name, record.error)

    def _forget(self, plugin: str, why: str | None = None) -> None:
        for registry in self._registries():
            registry.remove_origin(plugin, why)

    def _failed_plugins_hint(self) -> str:
        """For an unknown name: the plugins that failed to load, one of which may provide it."""
        failed = [r for r in self.host.records.values() if r.failed]
        if not failed:
            return ""
        return "; plugins that failed to load (one may provide it): " + "; ".join(
            f"{r.describe()}: {r.error}" for r in failed
        )

    # -- events --------------------------------------------------------------------------------

    def emit(self, event: WorkflowEvent) -> None:
        """Send ``event`` to every ``workflow_event`` implementation; a failing observer is logged
        with its plugin's name and never stops the caller."""
        self.load_plugins()
        for record, result in self.host.call_per_plugin(
            "workflow_event", fail_on_error=False, event=event
        ):
            if isinstance(result, BaseException):
                from autobyteus_core.logging import get_logger

                get_logger().warning(
                    f"workflow_event observer of {record.describe()} failed",
                    plugin=record.name,
                    event_type=str(event.type.value),
                    error=repr(result),
                )


def _plugin_name(plugin: object) -> str:
    return str(getattr(plugin, "__name__", None) or type(plugin).__name__)


def step_name(step_class: object) -> str:
    """The steps registry's ``name_of`` check: a :class:`BaseStep` subclass, by its ``name``."""
    from autobyteus_core.workflow.base_step import BaseStep

    if not (isinstance(step_class, type) and issubclass(step_class, BaseStep)):
        raise TypeError(f"register_steps expects BaseStep subclasses, got {step_class!r}")
    return step_class.name
