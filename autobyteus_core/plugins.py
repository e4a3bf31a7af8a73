"""Finding, loading and isolating plugins.

Plugins are discovered in the ``autobyteus`` entry-point group, loaded once and lazily (the first
time something needs a registry, never at import time), and each is isolated: one that fails to
import, fails hook validation, declares an unsupported plugin API, or raises inside a
``register_*`` hook is skipped with one warning line, recorded as failed, and everything else
keeps working.

Load order is fixed, whatever the order of ``site-packages``: the core's default plugins, then
first-party plugins (:data:`FIRST_PARTY_DISTRIBUTIONS`), then every other plugin sorted by
distribution name (then entry-point name). It is the precedence of names: a name registered
again by a later plugin is refused for that plugin only, unless it asks to replace it.

``AUTOBYTEUS_LOAD_PLUGINS``, ``AUTOBYTEUS_DISABLE_PLUGINS`` and ``AUTOBYTEUS_STRICT_PLUGINS`` choose
what loads and whether a failure is an error; CONTRIBUTING.md ("Controlling plugins as a user")
says how. Names compare case-insensitively, with ``_`` and ``-`` treated alike.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from autobyteus_core import PLUGIN_API_VERSION, PROJECT_NAME, __version__, hookspecs
from autobyteus_core.errors import PluginLoadError, one_line
from autobyteus_core.registry import DuplicateRegistrationError, PluginOrigin

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

#: The core's own plugins, registered by module path before the external ones.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "autobyteus_core.default_plugins.python_workspace",
    "autobyteus_core.default_plugins.scripted_provider",
    "autobyteus_core.default_plugins.event_log",
    "autobyteus_core.default_plugins.local_executor",
)

#: The core's own distribution (the default plugins belong to it): never listed as a plugin
#: distribution, never frozen, never uninstalled by ``autobyteus uninstall``.
CORE_DISTRIBUTION = "autobyteus-core"

_SEPARATORS = re.compile(r"[-_.]+")

#: This repository's plugin distributions: they load right after the core's defaults.
FIRST_PARTY_DISTRIBUTIONS: tuple[str, ...] = (
    "autobyteus-bench",
    "autobyteus-coding-steps",
    "autobyteus-llamacpp",
    "autobyteus-openai",
    "autobyteus-ray",
)

ENV_LOAD = "AUTOBYTEUS_LOAD_PLUGINS"
ENV_DISABLE = "AUTOBYTEUS_DISABLE_PLUGINS"
ENV_STRICT = "AUTOBYTEUS_STRICT_PLUGINS"

#: ``PluginRecord.status`` values.
STATUS_LOADED = "loaded"
STATUS_FAILED = "failed"
STATUS_DISABLED = "disabled"

_IMPL_MARKER = f"{PROJECT_NAME}_impl"


class RefusedNameError(PluginLoadError):
    """In strict mode: a plugin registered a name another plugin holds, without ``replace``."""


@dataclass
class PluginRecord:
    """What the core knows about one plugin: where it came from, what it did, whether it failed.

    ``registered`` maps a kind (``steps``, ``llm_providers``, ``workspace_settings``,
    ``workflows``, ``commands``) to the names the plugin registered; ``refused`` to the names it
    tried to register that an earlier plugin holds; ``replaces`` says which names it took over
    with ``replace=True`` and from whom. ``error`` is set when the plugin failed; ``disabled``
    holds the reason when it was not loaded on purpose.
    """

    name: str
    distribution: str | None = None
    version: str | None = None
    module: str | None = None
    default: bool = False
    hooks: list[str] = field(default_factory=list)
    registered: dict[str, list[str]] = field(default_factory=dict)
    refused: dict[str, list[str]] = field(default_factory=dict)
    replaces: list[str] = field(default_factory=list)
    error: str | None = None
    disabled: str | None = None

    @property
    def origin(self) -> PluginOrigin:
        """The provenance stamped on everything this plugin registers."""
        return PluginOrigin(plugin=self.name, distribution=self.distribution, version=self.version)

    @property
    def failed(self) -> bool:
        """Whether the plugin was skipped because of an error."""
        return self.error is not None

    @property
    def status(self) -> str:
        """``"loaded"``, ``"failed"`` or ``"disabled"``."""
        if self.error is not None:
            return STATUS_FAILED
        if self.disabled is not None:
            return STATUS_DISABLED
        return STATUS_LOADED

    def describe(self) -> str:
        """``plugin 'name' (distribution version)``, as warnings and errors name it."""
        return self.origin.describe()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as ``autobyteus plugins --json`` prints it."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "module": self.module,
            "default": self.default,
            "status": self.status,
            "hooks": sorted(self.hooks),
            "registered": {k: sorted(v) for k, v in sorted(self.registered.items())},
            "refused": {k: sorted(v) for k, v in sorted(self.refused.items())},
            "replaces": list(self.replaces),
            "error": self.error,
            "disabled": self.disabled,
        }


def env_list(name: str) -> list[str] | None:
    """The comma-separated names in environment variable ``name``; None when it is unset."""
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [item.strip() for item in raw.split(",") if item.strip()]


def strict_mode() -> bool:
    """Whether ``AUTOBYTEUS_STRICT_PLUGINS`` asks for plugin failures to be raised."""
    return os.environ.get(ENV_STRICT, "").strip().lower() in ("1", "true", "yes", "on")


def canonical_name(name: str) -> str:
    """The PEP 503 form of a distribution or plugin name (``My_Plugin`` → ``my-plugin``), by
    which every name the user gives is compared."""
    return _SEPARATORS.sub("-", name.strip()).lower()


def check_api_compatibility(plugin: object) -> str | None:
    """The error message when ``plugin`` declares an ``AUTOBYTEUS_PLUGIN_API`` range that excludes
    :data:`PLUGIN_API_VERSION`, else None."""
    declared = getattr(plugin, "AUTOBYTEUS_PLUGIN_API", None)
    if declared is None:
        return None
    from autobyteus_core.versions import version_in_range

    try:
        ok = version_in_range(PLUGIN_API_VERSION, str(declared))
    except ValueError as exc:
        return f"invalid AUTOBYTEUS_PLUGIN_API {str(declared)!r}: {exc}"
    if ok:
        return None
    return (
        f"it supports plugin API {declared} but this autobyteus-core {__version__} provides "
        f"plugin API {PLUGIN_API_VERSION}; install a version of the plugin made for this core"
    )


def check_unmarked_hooks(plugin: object) -> str | None:
    """The error message when ``plugin`` has a function named like a hook that lacks
    ``@hookimpl`` (pluggy would silently never call it), else None."""
    unmarked = [
        name
        for name in hookspecs.ALL_HOOKS
        if callable(getattr(plugin, name, None))
        and not hasattr(getattr(plugin, name), _IMPL_MARKER)
    ]
    if not unmarked:
        return None
    return (
        f"{', '.join(unmarked)} {'is' if len(unmarked) == 1 else 'are'} not decorated with "
        "@hookimpl (from autobyteus_core import hookimpl), so autobyteus would never call "
        f"{'it' if len(unmarked) == 1 else 'them'}"
    )


def explain_validation_error(exc: pluggy.PluginValidationError) -> str:
    """A pluggy validation error as one line, with a did-you-mean for a misspelled hook."""
    text = " ".join(str(exc).split())
    marker = "unknown hook '"
    if marker in text:
        unknown = text.split(marker, 1)[1].split("'", 1)[0]
        close = difflib.get_close_matches(unknown, hookspecs.ALL_HOOKS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown hook '{unknown}'{hint}; the hooks are: {', '.join(hookspecs.ALL_HOOKS)}"
    return text


class PluginHost:
    """One pluggy plugin manager plus the record of every plugin it tried to load.

    ``on_failure`` callbacks run when a plugin is failed after it was registered (so the
    application can drop whatever it registered).
    """

    def __init__(self) -> None:
        """A manager with the hook specs added and no plugin loaded."""
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        from autobyteus_core.tracing import trace_from_env

        trace_from_env(self.pm)  # AUTOBYTEUS_TRACE_PLUGINS=1 logs every hook call
        self.records: dict[str, PluginRecord] = {}
        self.loaded = False
        self.on_failure: list[Callable[[PluginRecord], None]] = []

    # -- loading -----------------------------------------------------------------------------

    def load(
        self,
        *,
        entry_points: bool = True,
        default_plugins: Iterable[str] = DEFAULT_PLUGINS,
    ) -> None:
        """Load the default plugins, then external plugins from entry points in precedence
        order (first-party, then the others by distribution name). Runs once."""
        if self.loaded:
            return
        self.loaded = True
        disabled = {canonical_name(n) for n in (env_list(ENV_DISABLE) or [])}
        self._load_defaults(default_plugins, disabled)
        if entry_points:
            self._load_entry_points(disabled)

    def _load_defaults(self, default_plugins: Iterable[str], disabled: set[str]) -> None:
        for module_path in default_plugins:
            name = module_path.rsplit(".", 1)[-1]
            blocked = {canonical_name(name), canonical_name(module_path), CORE_DISTRIBUTION}
            if blocked & disabled:
                self._add_record(
                    PluginRecord(
                        name=name,
                        distribution=CORE_DISTRIBUTION,
                        version=__version__,
                        module=module_path,
                        default=True,
                        disabled=f"disabled by {ENV_DISABLE}",
                    )
                )
                continue
            self.add_module(module_path, name=name, default=True)

    def _load_entry_points(self, disabled: set[str]) -> None:
        from importlib.metadata import entry_points

        only = env_list(ENV_LOAD)
        allowed = None if only is None else {canonical_name(n) for n in only}
        matched: set[str] = set()
        seen: dict[str, EntryPoint] = {}
        for ep in sorted(entry_points(group=PROJECT_NAME), key=precedence):
            dist = ep.dist
            dist_name = dist.name if dist is not None else None
            record = PluginRecord(
                name=ep.name,
                distribution=dist_name,
                version=dist.version if dist is not None else None,
                module=ep.value,
            )
            names = {canonical_name(ep.name)} | (
                {canonical_name(dist_name)} if dist_name else set()
            )
            previous = seen.get(ep.name)
            if previous is not None:
                if previous.value == ep.value and _dist_name(previous) == dist_name:
                    continue  # the same distribution found twice on sys.path
                record.error = (
                    f"PluginLoadError: the plugin name '{ep.name}' is already used by "
                    f"{_dist_name(previous) or previous.value}; uninstall one of them"
                )
                self._add_record(record)
                self._warn(record, "could not be loaded")
                continue
            seen[ep.name] = ep
            if allowed is not None:
                if not names & allowed:
                    record.disabled = f"not listed in {ENV_LOAD}"
                    self._add_record(record)
                    continue
                matched |= names & allowed
            if names & disabled:
                record.disabled = f"disabled by {ENV_DISABLE}"
                self._add_record(record)
                continue
            self._register(record, ep.load)
        if allowed is not None and allowed - matched:
            from autobyteus_core.logging import get_logger

            get_logger().warning(
                f"{ENV_LOAD} names plugins that are not installed: "
                f"{', '.join(sorted(allowed - matched))}; installed: "
                f"{', '.join(sorted(seen)) or 'none'}",
                variable=ENV_LOAD,
            )

    def add_module(
        self, module_path: str, *, name: str | None = None, default: bool = False
    ) -> PluginRecord:
        """Import ``module_path`` and register it as a plugin (how default plugins load)."""
        record = PluginRecord(
            name=name or module_path,
            distribution=CORE_DISTRIBUTION if default else None,
            version=__version__ if default else None,
            module=module_path,
            default=default,
        )
        self._register(record, lambda: importlib.import_module(module_path))
        return record

    def add_object(
        self,
        plugin: object,
        name: str,
        *,
        distribution: str | None = None,
        version: str | None = None,
    ) -> PluginRecord:
        """Register an already-imported plugin object or module (tests, embedding apps).

        Raises :class:`ValueError` when a plugin of that name is already registered.
        """
        if self.pm.has_plugin(name) or (name in self.records and not self.records[name].failed):
            raise ValueError(f"a plugin named '{name}' is already registered")
        record = PluginRecord(
            name=name,
            distribution=distribution,
            version=version,
            module=getattr(plugin, "__name__", None) or type(plugin).__module__,
        )
        self._register(record, lambda: plugin)
        return record

    def remove(self, name: str) -> None:
        """Unregister the plugin ``name`` and forget its record (the inverse of ``add_*``)."""
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)
        self.records.pop(name, None)

    def _add_record(self, record: PluginRecord) -> None:
        key = record.name
        n = 2
        while key in self.records:
            key = f"{record.name}#{n}"
            n += 1
        self.records[key] = record

    def _register(self, record: PluginRecord, load: Callable[[], object]) -> None:
        self._add_record(record)
        try:
            plugin = load()
            problem = check_api_compatibility(plugin) or check_unmarked_hooks(plugin)
            if problem:
                raise PluginLoadError(problem)
            try:
                self.pm.register(plugin, name=record.name)
                self.pm.check_pending()
            except pluggy.PluginValidationError as exc:
                if self.pm.has_plugin(record.name):
                    self.pm.unregister(name=record.name)
                raise PluginLoadError(explain_validation_error(exc)) from exc
        except (Exception, SystemExit) as exc:
            self.fail(record, "failed to load", exc)
            return
        record.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

    def fail(self, record: PluginRecord, what: str, exc: BaseException) -> None:
        """Mark ``record`` failed: unregister it, tell ``on_failure`` callbacks, warn one line;
        in strict mode raise :class:`PluginLoadError` instead."""
        record.error = str(exc) if isinstance(exc, PluginLoadError) else one_line(exc)
        was_registered = self.pm.has_plugin(record.name)
        if was_registered:
            self.pm.unregister(name=record.name)
            for callback in self.on_failure:
                callback(record)
        record.registered.clear()
        record.replaces.clear()
        if isinstance(exc, RefusedNameError):
            raise exc  # strict mode: the refusal's own message is the one precise error
        message = self._warn(record, what)
        _log_plugin_frames(record, exc)
        if strict_mode():
            raise PluginLoadError(message) from exc

    def refuse(self, record: PluginRecord, error: DuplicateRegistrationError, kind: str) -> None:
        """``record``'s plugin registered a name ``error.owner`` holds: the owner keeps it and
        the plugin keeps its other registrations, with one warning, and the name is recorded in
        ``record.refused[kind]``; in strict mode raise :class:`RefusedNameError` (which fails
        the plugin)."""
        what = f"{error.kind} '{error.name}'"
        owner = error.owner.describe()
        if strict_mode():
            raise RefusedNameError(
                f"autobyteus {record.describe()} registered {what}, which {owner} already "
                "registered; give it another name, or register it with replace=True to take "
                "it over"
            )
        record.refused.setdefault(kind, []).append(error.name)
        hint = (
            f"; to use {record.name}'s, disable the other with {ENV_DISABLE}={error.owner.plugin}"
            if error.owner.is_plugin
            else ""
        )
        keeper = error.owner.plugin if error.owner.is_plugin else owner
        from autobyteus_core.logging import get_logger

        get_logger().warning(
            f"autobyteus {record.describe()} registered {what}, which {owner} already "
            f"registered: {keeper} keeps it, and {record.name}'s other "
            f"registrations stay{hint}",
            plugin=record.name,
            distribution=record.distribution,
            plugin_version=record.version,
            refused=error.name,
            owner=error.owner.plugin,
        )

    def _warn(self, record: PluginRecord, what: str) -> str:
        """The message for a failed plugin, logged as a warning unless strict mode raises it."""
        if strict_mode():
            return f"autobyteus {record.describe()} {what}: {record.error}"
        message = (
            f"autobyteus {record.describe()} {what} and was skipped: {record.error} "
            f"(disable it with {ENV_DISABLE}={record.name})"
        )
        from autobyteus_core.logging import get_logger

        get_logger().warning(
            message,
            plugin=record.name,
            distribution=record.distribution,
            plugin_version=record.version,
            error=record.error,
        )
        return message

    # -- calling -------------------------------------------------------------------------------

    def active_records(self) -> list[PluginRecord]:
        """Plugins that loaded and have not failed, in registration order."""
        return [
            r
            for r in self.records.values()
            if r.status == STATUS_LOADED and self.pm.has_plugin(r.name)
        ]

    def call_per_plugin(
        self,
        hook_name: str,
        records: Iterable[PluginRecord] | None = None,
        *,
        fail_on_error: bool = True,
        **kwargs: Any,
    ) -> Iterator[tuple[PluginRecord, Any]]:
        """Call ``hook_name`` plugin by plugin (all active ones, or ``records``), so each result
        is attributed and failures are isolated.

        Yields ``(record, result)`` for each plugin implementing the hook, where ``result`` is
        the exception for a plugin whose hook raised; that plugin is failed (unregistered, with
        a warning, or :class:`PluginLoadError` in strict mode) when ``fail_on_error``
        (registration hooks), otherwise left as it is (observers).
        """
        hook = getattr(self.pm.hook, hook_name)
        implementers = {impl.plugin for impl in hook.get_hookimpls()}
        for record in list(records) if records is not None else self.active_records():
            plugin = self.pm.get_plugin(record.name)
            if plugin is None or plugin not in implementers:
                continue
            if len(implementers) == 1:
                caller = hook  # its one implementation is this plugin's (events are frequent)
            else:
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


def _dist_name(ep: EntryPoint) -> str | None:
    return ep.dist.name if ep.dist is not None else None


def precedence(ep: EntryPoint) -> tuple[int, str, str]:
    """The sort key of an entry point: first-party distributions first, then by distribution
    name, then by entry-point name (so the order never depends on ``site-packages``)."""
    dist = canonical_name(_dist_name(ep) or "")
    return (0 if dist in FIRST_PARTY_DISTRIBUTIONS else 1, dist, ep.name)


#: Frames of a failed plugin's traceback shown at debug level (the last ones are the cause).
TRACEBACK_FRAMES = 5


def plugin_frames(exc: BaseException, limit: int = TRACEBACK_FRAMES) -> list[str]:
    """The last ``limit`` frames of ``exc``'s traceback outside the core, pluggy and importlib
    (the plugin's own code), as ``file:line in function: source`` lines."""
    import traceback

    skipped = ("autobyteus_core", "pluggy", "importlib")
    frames = [
        f"{frame.filename}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}"
        for frame in traceback.extract_tb(exc.__traceback__)
        if not any(f"{os.sep}{part}{os.sep}" in frame.filename for part in skipped)
        and not frame.filename.startswith("<frozen")
    ]
    return frames[-limit:]


def _log_plugin_frames(record: PluginRecord, exc: BaseException) -> None:
    """Where in the plugin's code it failed: at debug level, or as a warning when
    ``AUTOBYTEUS_TRACE_PLUGINS`` is set."""
    frames = plugin_frames(exc.__cause__ or exc) or plugin_frames(exc)
    if not frames:
        return
    from autobyteus_core.logging import get_logger
    from autobyteus_core.tracing import tracing_requested

    logger = get_logger()
    log = logger.warning if tracing_requested() else logger.debug
    log(f"where {record.describe()} failed", plugin=record.name, traceback=frames)
