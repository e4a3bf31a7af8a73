"""Finding, loading and isolating plugins.

Plugins are discovered in the ``autobyteus`` entry-point group, loaded once and lazily (the first
time something needs a registry, never at import time), and each is isolated: one that fails to
import, fails hook validation, declares an unsupported plugin API, or raises inside a
``register_*`` hook is skipped with one warning, recorded as failed, and everything else works.

Environment variables:

- ``AUTOBYTEUS_LOAD_PLUGINS=dist1,dist2`` loads only those distributions (empty: no external
  plugin); default plugins are still loaded unless disabled.
- ``AUTOBYTEUS_DISABLE_PLUGINS=name,...`` blocks plugins by plugin name or distribution name,
  default plugins included.
- ``AUTOBYTEUS_STRICT_PLUGINS=1`` re-raises plugin failures instead of skipping them.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pluggy

from autobyteus_core import PLUGIN_API_VERSION, PROJECT_NAME, hookspecs
from autobyteus_core.errors import PluginLoadError
from autobyteus_core.registry import PluginOrigin

#: The core's own plugins, registered by module path after the external ones.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "autobyteus_core.default_plugins.python_workspace",
    "autobyteus_core.default_plugins.scripted_provider",
)

ENV_LOAD = "AUTOBYTEUS_LOAD_PLUGINS"
ENV_DISABLE = "AUTOBYTEUS_DISABLE_PLUGINS"
ENV_STRICT = "AUTOBYTEUS_STRICT_PLUGINS"


class PluginWarning(UserWarning):
    """Warned once for each plugin that is skipped because it failed."""


@dataclass
class PluginRecord:
    """What the core knows about one plugin: where it came from, what it did, whether it failed."""

    name: str
    distribution: str | None = None
    version: str | None = None
    module: str | None = None
    default: bool = False
    hooks: list[str] = field(default_factory=list)
    registered: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None

    @property
    def origin(self) -> PluginOrigin:
        """The provenance stamped on everything this plugin registers."""
        return PluginOrigin(plugin=self.name, distribution=self.distribution, version=self.version)

    @property
    def failed(self) -> bool:
        """Whether the plugin was skipped because of an error."""
        return self.error is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as ``autobyteus plugins --json`` prints it."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "module": self.module,
            "default": self.default,
            "hooks": sorted(self.hooks),
            "registered": {k: sorted(v) for k, v in self.registered.items()},
            "status": "failed" if self.failed else "loaded",
            "error": self.error,
        }


def _env_list(name: str) -> list[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [item.strip() for item in raw.split(",") if item.strip()]


def strict_mode() -> bool:
    """Whether ``AUTOBYTEUS_STRICT_PLUGINS`` asks for plugin failures to be raised."""
    return os.environ.get(ENV_STRICT, "").strip().lower() in ("1", "true", "yes", "on")


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-")


def check_api_compatibility(module: ModuleType) -> str | None:
    """The error message when ``module`` declares an ``AUTOBYTEUS_PLUGIN_API`` range that
    excludes :data:`~autobyteus_core.PLUGIN_API_VERSION`, else None."""
    declared = getattr(module, "AUTOBYTEUS_PLUGIN_API", None)
    if declared is None:
        return None
    from autobyteus_core.versions import version_in_range

    try:
        ok = version_in_range(PLUGIN_API_VERSION, str(declared))
    except ValueError as exc:
        return f"invalid AUTOBYTEUS_PLUGIN_API {declared!r}: {exc}"
    if ok:
        return None
    return (
        f"supports plugin API {declared} but this autobyteus-core provides plugin API "
        f"{PLUGIN_API_VERSION}; install a version of the plugin made for this core"
    )


class PluginHost:
    """One pluggy plugin manager plus the record of every plugin it tried to load."""

    def __init__(self) -> None:
        """A manager with the hook specs added and no plugin loaded."""
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.loaded = False

    # -- loading -----------------------------------------------------------------------------

    def load(
        self,
        *,
        entry_points: bool = True,
        default_plugins: Iterable[str] = DEFAULT_PLUGINS,
    ) -> None:
        """Load external plugins from entry points, then the default plugins. Runs once."""
        if self.loaded:
            return
        self.loaded = True
        disabled = {_normalise(n) for n in (_env_list(ENV_DISABLE) or [])}
        if entry_points:
            self._load_entry_points(disabled)
        for module_path in default_plugins:
            name = module_path.rsplit(".", 1)[-1]
            if _normalise(name) in disabled or _normalise(module_path) in disabled:
                continue
            self.add_module(module_path, name=name, default=True)

    def _load_entry_points(self, disabled: set[str]) -> None:
        from importlib.metadata import entry_points

        only = _env_list(ENV_LOAD)
        allowed = None if only is None else {_normalise(n) for n in only}
        for ep in entry_points(group=PROJECT_NAME):
            dist = ep.dist
            dist_name = dist.name if dist is not None else None
            dist_version = dist.version if dist is not None else None
            names = {_normalise(ep.name)} | ({_normalise(dist_name)} if dist_name else set())
            if allowed is not None and not names & allowed:
                continue
            if names & disabled:
                continue
            if ep.name in self.records:
                continue  # the same distribution seen twice on sys.path
            record = PluginRecord(
                name=ep.name, distribution=dist_name, version=dist_version, module=ep.value
            )
            self._register(record, ep.load)

    def add_module(
        self, module_path: str, *, name: str | None = None, default: bool = False
    ) -> None:
        """Import ``module_path`` and register it as a plugin (how default plugins load)."""
        from autobyteus_core import __version__

        record = PluginRecord(
            name=name or module_path,
            distribution="autobyteus-core" if default else None,
            version=__version__ if default else None,
            module=module_path,
            default=default,
        )
        self._register(record, lambda: importlib.import_module(module_path))

    def add_object(
        self,
        plugin: object,
        name: str,
        *,
        distribution: str | None = None,
        version: str | None = None,
    ) -> PluginRecord:
        """Register an already-imported plugin object or module (tests, embedding apps)."""
        record = PluginRecord(
            name=name,
            distribution=distribution,
            version=version,
            module=getattr(plugin, "__name__", None),
        )
        self._register(record, lambda: plugin)
        return record

    def _register(self, record: PluginRecord, load: Callable[[], object]) -> None:
        self.records[record.name] = record
        try:
            plugin = load()
            if isinstance(plugin, ModuleType):
                problem = check_api_compatibility(plugin)
                if problem:
                    raise PluginLoadError(problem)
            self.pm.register(plugin, name=record.name)
            try:
                self.pm.check_pending()
            except pluggy.PluginValidationError:
                self.pm.unregister(name=record.name)
                raise
        except Exception as exc:
            self.fail(record, "failed to load", exc)
            return
        record.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

    def fail(self, record: PluginRecord, what: str, exc: BaseException) -> None:
        """Mark ``record`` failed: unregister it, warn once, or re-raise in strict mode."""
        record.error = f"{type(exc).__name__}: {exc}"
        if self.pm.has_plugin(record.name):
            self.pm.unregister(name=record.name)
        where = record.distribution or record.module or "?"
        message = (
            f"autobyteus plugin '{record.name}' ({where} {record.version or ''}".rstrip()
            + f") {what} and was skipped: {record.error}"
        )
        if strict_mode():
            raise PluginLoadError(message) from exc
        warnings.warn(message, PluginWarning, stacklevel=3)

    # -- calling -------------------------------------------------------------------------------

    def active_records(self) -> list[PluginRecord]:
        """Plugins that loaded and have not failed, in registration order."""
        return [r for r in self.records.values() if not r.failed and self.pm.has_plugin(r.name)]

    def call_per_plugin(
        self,
        hook_name: str,
        records: Iterable[PluginRecord] | None = None,
        *,
        fail_on_error: bool = True,
        **kwargs: Any,
    ) -> Iterable[tuple[PluginRecord, Any]]:
        """Call ``hook_name`` plugin by plugin (all active ones, or ``records``), so each result
        is attributed and failures are isolated. Yields ``(record, result)``, where ``result`` is
        the exception for a plugin whose hook raised; that plugin is failed and unregistered
        when ``fail_on_error`` (registration hooks), otherwise left as it is (observers)."""
        for record in list(records) if records is not None else self.active_records():
            plugin = self.pm.get_plugin(record.name)
            impls = [
                i for i in getattr(self.pm.hook, hook_name).get_hookimpls() if i.plugin is plugin
            ]
            if not impls:
                continue
            others = [p for p in self.pm.get_plugins() if p is not plugin]
            caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
            try:
                results = caller(**kwargs)
            except Exception as exc:
                if fail_on_error:
                    self.fail(record, f"raised in {hook_name}", exc)
                yield record, exc
                continue
            yield record, results
