"""A generic, provenance-recording registry used for steps, providers, workspace types and workflows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar, cast

from autobyteus_core.deferred import Deferred
from autobyteus_core.errors import AutobyteusError, PluginLoadError, one_line

T = TypeVar("T")


@dataclass(frozen=True)
class PluginOrigin:
    """Which plugin registered something: the plugin name, its distribution and version."""

    plugin: str
    distribution: str | None = None
    version: str | None = None

    def describe(self) -> str:
        """A human description such as ``plugin 'x' (dist-x 1.0)``; an origin that is no plugin
        (``<direct>``, ``<built-in>``) describes itself as ``Python code`` or ``the core``."""
        if not self.is_plugin:
            return _NOT_PLUGINS.get(self.plugin, self.plugin)
        if self.distribution:
            return f"plugin '{self.plugin}' ({self.distribution} {self.version or '?'})"
        return f"plugin '{self.plugin}'"

    @property
    def is_plugin(self) -> bool:
        """False for :data:`DIRECT_ORIGIN` and :data:`BUILTIN_ORIGIN`, which no plugin is."""
        return self.plugin not in _NOT_PLUGINS

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form."""
        return {"plugin": self.plugin, "distribution": self.distribution, "version": self.version}


#: The origin used for things registered directly from Python code rather than by a plugin.
DIRECT_ORIGIN = PluginOrigin(plugin="<direct>")

#: The origin of the core's built-in commands.
BUILTIN_ORIGIN = PluginOrigin(plugin="<built-in>")

_NOT_PLUGINS = {"<direct>": "Python code (not a plugin)", "<built-in>": "the core (built-in)"}


@dataclass(frozen=True)
class Registration(Generic[T]):
    """One registered item together with where it came from (and what it replaced)."""

    name: str
    item: T
    origin: PluginOrigin
    replaced: Registration[Any] | PendingRegistration | None = None


@dataclass(frozen=True)
class PendingRegistration:
    """A name registered by import path whose item is not imported yet."""

    name: str
    deferred: Deferred
    origin: PluginOrigin
    replaced: Registration[Any] | PendingRegistration | None = None


#: Either kind of registry entry.
Entry = Registration[Any] | PendingRegistration


class DeferredLoadError(PluginLoadError):
    """An item registered by import path could not be loaded when it was first looked up."""


class DuplicateRegistrationError(AutobyteusError):
    """A name was registered that another plugin already holds (and ``replace`` was not asked)."""

    def __init__(self, message: str, *, kind: str, name: str, owner: PluginOrigin) -> None:
        """``owner`` is the origin that keeps ``name``."""
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.owner = owner


class UnknownNameError(AutobyteusError, KeyError):
    """A name was looked up that nothing registered."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class Registry(Generic[T]):
    """Name → item mapping that records each item's :class:`PluginOrigin`.

    The first registration of a name holds it: registering it again raises
    :class:`DuplicateRegistrationError` naming both origins, unless the newcomer asks to ``replace``
    it (the replaced entry is kept, and comes back if the replacing plugin is dropped). Items
    registered by import path (:class:`Deferred`) are imported the first time they are looked up
    (:meth:`get`, :meth:`registration`, :meth:`registrations`); :meth:`names`, ``in`` and ``len``
    never import anything.
    """

    def __init__(self, kind: str, name_of: Callable[[object], str] | None = None) -> None:
        """``kind`` names what is registered (``"step"``, ``"LLM provider"``...) in error messages.

        ``name_of`` checks that an object is an item of this registry and returns its name,
        raising :class:`TypeError` otherwise (:meth:`register` and deferred loading use it);
        without one, an item's name is its ``name`` attribute.
        """
        self.kind = kind
        self._name_of = name_of or _name_attribute
        self._entries: dict[str, Entry] = {}
        #: Names dropped with a plugin that failed: name -> (origin, why), for error messages.
        self._lost: dict[str, tuple[PluginOrigin, str]] = {}
        #: Called with ``(origin, error)`` when an item registered by import path fails to load,
        #: before the lookup raises the error (the application fails the plugin here).
        self.on_load_failure: list[Callable[[PluginOrigin, PluginLoadError], None]] = []
        #: Returns a hint for a name nothing registered (the application names the plugins
        #: that failed to load, one of which may have provided it).
        self.missing_hint: Callable[[], str] | None = None

    def add(
        self, name: str, item: T, origin: PluginOrigin = DIRECT_ORIGIN, *, replace: bool = False
    ) -> Registration[T]:
        """Register ``item`` under ``name`` and return the registration; a name already held
        raises :class:`DuplicateRegistrationError` naming both origins unless ``replace``."""
        previous = self._claim(name, origin, replace)
        registration = Registration(name=name, item=item, origin=origin, replaced=previous)
        self._entries[name] = registration
        return registration

    def add_deferred(
        self, deferred: Deferred, origin: PluginOrigin = DIRECT_ORIGIN, *, replace: bool = False
    ) -> PendingRegistration:
        """Register ``deferred.name`` now; its item is imported on first lookup."""
        previous = self._claim(deferred.name, origin, replace)
        pending = PendingRegistration(deferred.name, deferred, origin, replaced=previous)
        self._entries[deferred.name] = pending
        return pending

    def register(
        self, item: T | Deferred, origin: PluginOrigin = DIRECT_ORIGIN, *, replace: bool = False
    ) -> Entry:
        """Register an item under its own name, or a :class:`Deferred` under its name, and
        return the entry (what the ``register`` callback of the ``register_*`` hooks does);
        its ``replaced`` is the entry ``replace`` took the name from."""
        if isinstance(item, Deferred):
            return self.add_deferred(item, origin, replace=replace)
        return self.add(self._name_of(item), item, origin, replace=replace)

    def _claim(self, name: str, origin: PluginOrigin, replace: bool) -> Entry | None:
        if not name or not isinstance(name, str):
            raise AutobyteusError(f"a {self.kind} must have a non-empty string name, got {name!r}")
        existing = self._entries.get(name)
        if existing is not None and not replace:
            raise DuplicateRegistrationError(
                f"{self.kind} '{name}' is already registered by {existing.origin.describe()}",
                kind=self.kind,
                name=name,
                owner=existing.origin,
            )
        self._lost.pop(name, None)
        return existing

    def get(self, name: str) -> T:
        """The item registered as ``name``; an unknown name raises listing the known ones, and
        an item registered by import path that cannot be loaded raises
        :class:`DeferredLoadError`."""
        return self.registration(name).item

    def registration(self, name: str) -> Registration[T]:
        """The full :class:`Registration` (item and origin) for ``name``."""
        entry = self._entry(name)
        if isinstance(entry, PendingRegistration):
            return self._load(entry)
        return entry

    def origin(self, name: str) -> PluginOrigin:
        """Who registered ``name`` (imports nothing)."""
        return self._entry(name).origin

    def _entry(self, name: str) -> Entry:
        entry = self._entries.get(name)
        if entry is None:
            raise UnknownNameError(self.missing(name))
        return entry

    def missing(self, name: str, *, where: str = "") -> str:
        """Why ``name`` is not registered: the plugin it would come from and why that plugin
        failed, else that it is unknown, with the registered names. ``where`` says what used
        the name (``"workflow 'x'"``). Imports nothing."""
        lost = self._lost.get(name)
        if lost is not None:
            origin, why = lost
            return (
                f"{where + ': ' if where else ''}{self.kind} '{name}' would come from "
                f"{origin.describe()}, which failed to load: {why}"
            )
        known = ", ".join(sorted(self._entries)) or "none"
        hint = self.missing_hint() if self.missing_hint is not None else ""
        what = f"{where} uses the unknown {self.kind} name" if where else f"unknown {self.kind}"
        return f"{what} '{name}'; registered {self.kind}s: {known}{hint}"

    def _load(self, pending: PendingRegistration) -> Registration[T]:
        try:
            item = self._item_at(pending)
        except (Exception, SystemExit) as exc:
            error = DeferredLoadError(
                f"{self.kind} '{pending.name}' of {pending.origin.describe()} could not be "
                f"loaded from '{pending.deferred.path}': {one_line(exc)}"
            )
            for callback in self.on_load_failure:
                callback(pending.origin, error)
            raise error from exc
        registration = Registration(
            name=pending.name, item=item, origin=pending.origin, replaced=pending.replaced
        )
        self._entries[pending.name] = registration
        return registration

    def _item_at(self, pending: PendingRegistration) -> T:
        found = pending.deferred.load()
        try:
            name = self._name_of(found)
        except TypeError:
            if not callable(found):
                raise
            found = found()
            name = self._name_of(found)
        if name != pending.name:
            raise AutobyteusError(
                f"it was registered as '{pending.name}' but the object's name is '{name}'"
            )
        return cast(T, found)

    def remove_origin(self, plugin: str, why: str | None = None) -> None:
        """Drop everything ``plugin`` registered (used when its hook fails half-way); a name it
        had replaced goes back to its previous owner. With ``why`` (the plugin failed), a later
        lookup of a dropped name says it would come from that plugin, and why it is missing."""
        for name, entry in list(self._entries.items()):
            kept = _without(entry, plugin)
            if kept is not None:
                self._entries[name] = kept
                continue
            del self._entries[name]
            if why is not None:
                self._lost[name] = (entry.origin, why)

    def names(self) -> list[str]:
        """Registered names, sorted (imports nothing)."""
        return sorted(self._entries)

    def registrations(self) -> list[Registration[T]]:
        """All registrations, sorted by name, with every deferred item loaded. An item that
        fails to load is left out when an :attr:`on_load_failure` callback dropped it (its
        plugin failed), and raises otherwise."""
        found = []
        for name in self.names():
            if name not in self._entries:
                continue  # dropped with a plugin whose other item failed to load just now
            try:
                found.append(self.registration(name))
            except DeferredLoadError:
                if name in self._entries:
                    raise
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)


def _without(entry: Entry | None, plugin: str) -> Entry | None:
    """``entry`` with ``plugin``'s registrations taken out of it and of what it replaced."""
    if entry is None:
        return None
    if entry.origin.plugin == plugin:
        return _without(entry.replaced, plugin)
    previous = _without(entry.replaced, plugin)
    return entry if previous is entry.replaced else replace(entry, replaced=previous)


def instance_name(hook: str, expected: str) -> Callable[[object], str]:
    """A registry's ``name_of`` check: ``item`` must be an instance of the class at the import
    path ``expected`` (``"package.module:Class"``, imported on first use), whose ``name`` is
    returned."""

    def name_of(item: object) -> str:
        import pkgutil

        cls = pkgutil.resolve_name(expected)
        if not isinstance(item, cls):
            raise TypeError(f"{hook} expects {cls.__name__} instances, got {item!r}")
        return _name_attribute(item)

    return name_of


def _name_attribute(item: object) -> str:
    name = getattr(item, "name", None)
    if not isinstance(name, str):
        raise TypeError(f"expected an object with a string name, got {item!r}")
    return name
