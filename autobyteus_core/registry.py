"""A generic, provenance-recording registry used for steps, providers, workspace types and workflows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

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
        """A human description such as ``plugin 'x' (dist-x 1.0)``."""
        if self.distribution:
            return f"plugin '{self.plugin}' ({self.distribution} {self.version or '?'})"
        return f"plugin '{self.plugin}'"

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form."""
        return {"plugin": self.plugin, "distribution": self.distribution, "version": self.version}


#: The origin used for things registered directly from Python code rather than by a plugin.
DIRECT_ORIGIN = PluginOrigin(plugin="<direct>")


@dataclass(frozen=True)
class Registration(Generic[T]):
    """One registered item together with where it came from."""

    name: str
    item: T
    origin: PluginOrigin


@dataclass(frozen=True)
class PendingRegistration:
    """A name registered by import path whose item is not imported yet."""

    name: str
    deferred: Deferred
    origin: PluginOrigin


class DeferredLoadError(PluginLoadError):
    """An item registered by import path could not be loaded when it was first looked up."""


class DuplicateRegistrationError(AutobyteusError):
    """Two plugins registered the same name."""


class UnknownNameError(AutobyteusError, KeyError):
    """A name was looked up that nothing registered."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class Registry(Generic[T]):
    """Name → item mapping that records each item's :class:`PluginOrigin` and rejects duplicates.

    Items registered by import path (:class:`~autobyteus_core.deferred.Deferred`) are imported
    the first time they are looked up (:meth:`get`, :meth:`registration`,
    :meth:`registrations`); :meth:`names`, ``in`` and ``len`` never import anything.
    """

    def __init__(self, kind: str, name_of: Callable[[object], str] | None = None) -> None:
        """``kind`` names what is registered (``"step"``, ``"LLM provider"``...) in error messages.

        ``name_of`` checks that an object is an item of this registry and returns its name,
        raising :class:`TypeError` otherwise (:meth:`register` and deferred loading use it);
        without one, an item's name is its ``name`` attribute.
        """
        self.kind = kind
        self._name_of = name_of or _name_attribute
        self._entries: dict[str, Registration[T] | PendingRegistration] = {}
        #: Called with ``(origin, error)`` when an item registered by import path fails to load,
        #: before the lookup raises the error (the application fails the plugin here).
        self.on_load_failure: list[Callable[[PluginOrigin, PluginLoadError], None]] = []

    def add(self, name: str, item: T, origin: PluginOrigin = DIRECT_ORIGIN) -> None:
        """Register ``item`` under ``name``; a duplicate name raises naming both providers."""
        self._claim(name, origin)
        self._entries[name] = Registration(name=name, item=item, origin=origin)

    def add_deferred(self, deferred: Deferred, origin: PluginOrigin = DIRECT_ORIGIN) -> None:
        """Register ``deferred.name`` now; its item is imported on first lookup."""
        self._claim(deferred.name, origin)
        self._entries[deferred.name] = PendingRegistration(deferred.name, deferred, origin)

    def register(self, item: T | Deferred, origin: PluginOrigin = DIRECT_ORIGIN) -> str:
        """Register an item under its own name, or a :class:`Deferred` under its name, and
        return the name (what the ``register`` callback of the ``register_*`` hooks does)."""
        if isinstance(item, Deferred):
            self.add_deferred(item, origin)
            return item.name
        name = self._name_of(item)
        self.add(name, item, origin)
        return name

    def _claim(self, name: str, origin: PluginOrigin) -> None:
        if not name or not isinstance(name, str):
            raise AutobyteusError(f"a {self.kind} must have a non-empty string name, got {name!r}")
        existing = self._entries.get(name)
        if existing is not None:
            raise DuplicateRegistrationError(
                f"{self.kind} '{name}' is registered twice: by {existing.origin.describe()} "
                f"and by {origin.describe()}; uninstall or disable one of them "
                "(AUTOBYTEUS_DISABLE_PLUGINS=<plugin>)"
            )

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

    def _entry(self, name: str) -> Registration[T] | PendingRegistration:
        entry = self._entries.get(name)
        if entry is None:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UnknownNameError(
                f"unknown {self.kind} '{name}'; registered {self.kind}s: {known}"
            )
        return entry

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
        registration = Registration(name=pending.name, item=item, origin=pending.origin)
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

    def remove_origin(self, plugin: str) -> None:
        """Drop everything a plugin registered (used when its hook fails half-way)."""
        for name in [n for n, r in self._entries.items() if r.origin.plugin == plugin]:
            del self._entries[name]

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
