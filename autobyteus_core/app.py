"""The application object: one plugin host and the registries it fills.

There are no module-level registries: the CLI uses one :class:`Application`, and every test makes
a fresh one, so nothing leaks between them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from autobyteus_core.llm.llm_integration_registry import LLMIntegrationRegistry
from autobyteus_core.plugins import DEFAULT_PLUGINS, PluginHost, PluginRecord
from autobyteus_core.registry import Registry

if TYPE_CHECKING:
    from autobyteus_core.workflow.base_step import BaseStep
    from autobyteus_core.workflow.events import WorkflowEvent
    from autobyteus_core.workflow.steps_template_config import WorkflowDefinition
    from autobyteus_core.workspace.workspace_type import WorkspaceType


class Application:
    """Owns the plugin host and the step, LLM provider, workspace type and workflow registries.

    Plugins load lazily: the first access to a registry loads them (once). Pass
    ``entry_points=False`` for an isolated application that sees only the default plugins and
    whatever is added with :meth:`add_plugin`.
    """

    def __init__(
        self,
        *,
        entry_points: bool = True,
        default_plugins: Iterable[str] = DEFAULT_PLUGINS,
    ) -> None:
        """Create an application; nothing is loaded until a registry is first used."""
        self.host = PluginHost()
        self._entry_points = entry_points
        self._default_plugins = tuple(default_plugins)
        self._steps: Registry[type[BaseStep]] = Registry("step")
        self._llm = LLMIntegrationRegistry()
        self._workspace_types: Registry[WorkspaceType] = Registry("workspace type")
        self._workflows: Registry[WorkflowDefinition] = Registry("workflow")
        self._filled: set[str] = set()

    # -- registries (each filled on first use) ---------------------------------------------------

    @property
    def steps(self) -> Registry[type[BaseStep]]:
        """Registered step classes by name."""
        self._fill("register_steps")
        return self._steps

    @property
    def llm(self) -> LLMIntegrationRegistry:
        """The :class:`LLMIntegrationRegistry` of providers."""
        self._fill("register_llm_providers")
        return self._llm

    @property
    def workspace_types(self) -> Registry[WorkspaceType]:
        """Registered workspace types by name."""
        self._fill("register_workspace_settings")
        return self._workspace_types

    @property
    def workflows(self) -> Registry[WorkflowDefinition]:
        """Registered workflow definitions by name."""
        self._fill("register_workflows")
        return self._workflows

    def load_plugins(self) -> None:
        """Load plugins now (otherwise done on first registry access). Idempotent."""
        self.host.load(entry_points=self._entry_points, default_plugins=self._default_plugins)

    def add_plugin(self, plugin: object, name: str | None = None, **origin: Any) -> PluginRecord:
        """Register a plugin object or module directly and fill registries from it."""
        self.load_plugins()
        record = self.host.add_object(plugin, name or _plugin_name(plugin), **origin)
        for hook in list(self._filled):
            self._filled.discard(hook)
            self._fill(hook, only=record)
            self._filled.add(hook)
        return record

    def plugin_records(self) -> list[PluginRecord]:
        """Every plugin tried, failed ones included, with what each registered."""
        self.fill_all()
        return list(self.host.records.values())

    def fill_all(self) -> None:
        """Fill every registry now."""
        for hook in (
            "register_steps",
            "register_llm_providers",
            "register_workspace_settings",
            "register_workflows",
        ):
            self._fill(hook)

    def _fill(self, hook: str, only: PluginRecord | None = None) -> None:
        if hook in self._filled:
            return
        self._filled.add(hook)
        self.load_plugins()
        adders: dict[str, Callable[[Any, Any], None]] = {
            "register_steps": lambda item, origin: self._steps.add(_step_name(item), item, origin),
            "register_llm_providers": lambda item, origin: self._llm.register(item, origin),
            "register_workspace_settings": lambda item, origin: self._workspace_types.add(
                item.name, item, origin
            ),
            "register_workflows": lambda item, origin: self._workflows.add(item.name, item, origin),
        }
        registry_of = {
            "register_steps": self._steps,
            "register_llm_providers": self._llm.providers,
            "register_workspace_settings": self._workspace_types,
            "register_workflows": self._workflows,
        }
        add = adders[hook]
        for record in self.host.active_records():
            if only is not None and record is not only:
                continue
            names: list[str] = []

            def register(
                item: Any, _record: PluginRecord = record, _names: list[str] = names
            ) -> None:
                add(item, _record.origin)
                _names.append(getattr(item, "name", repr(item)))

            for rec, result in self.host.call_per_plugin(hook, [record], register=register):
                if isinstance(result, BaseException):
                    for registry in registry_of.values():
                        registry.remove_origin(rec.name)
                else:
                    rec.registered.setdefault(hook.removeprefix("register_"), []).extend(names)

    # -- events --------------------------------------------------------------------------------

    def emit(self, event: WorkflowEvent) -> None:
        """Send ``event`` to every ``workflow_event`` implementation; failures are logged only."""
        from autobyteus_core.logging import get_logger

        self.load_plugins()
        for record, result in self.host.call_per_plugin(
            "workflow_event", fail_on_error=False, event=event
        ):
            if isinstance(result, BaseException):
                get_logger().warning(
                    "workflow_event observer failed", plugin=record.name, error=repr(result)
                )


def _plugin_name(plugin: object) -> str:
    return str(getattr(plugin, "__name__", None) or type(plugin).__name__)


def _step_name(step_class: Any) -> str:
    from autobyteus_core.workflow.base_step import BaseStep

    if not (isinstance(step_class, type) and issubclass(step_class, BaseStep)):
        raise TypeError(f"register_steps expects BaseStep subclasses, got {step_class!r}")
    return step_class.name
