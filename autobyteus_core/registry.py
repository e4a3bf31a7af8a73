"""A generic, provenance-recording registry used for steps, providers, workspace types and workflows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from autobyteus_core.errors import AutobyteusError

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


class DuplicateRegistrationError(AutobyteusError):
    """Two plugins registered the same name."""


class UnknownNameError(AutobyteusError, KeyError):
    """A name was looked up that nothing registered."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class Registry(Generic[T]):
    """Name → item mapping that records each item's :class:`PluginOrigin` and rejects duplicates."""

    def __init__(self, kind: str) -> None:
        """``kind`` names what is registered (``"step"``, ``"LLM provider"``...) in error messages."""
        self.kind = kind
        self._entries: dict[str, Registration[T]] = {}

    def add(self, name: str, item: T, origin: PluginOrigin = DIRECT_ORIGIN) -> None:
        """Register ``item`` under ``name``; a duplicate name raises naming both providers."""
        if not name or not isinstance(name, str):
            raise AutobyteusError(f"a {self.kind} must have a non-empty string name, got {name!r}")
        existing = self._entries.get(name)
        if existing is not None:
            raise DuplicateRegistrationError(
                f"{self.kind} '{name}' is registered twice: by {existing.origin.describe()} "
                f"and by {origin.describe()}; uninstall or disable one of them "
                "(AUTOBYTEUS_DISABLE_PLUGINS=<plugin>)"
            )
        self._entries[name] = Registration(name=name, item=item, origin=origin)

    def get(self, name: str) -> T:
        """The item registered as ``name``; an unknown name raises listing the known ones."""
        try:
            return self._entries[name].item
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UnknownNameError(
                f"unknown {self.kind} '{name}'; registered {self.kind}s: {known}"
            ) from None

    def registration(self, name: str) -> Registration[T]:
        """The full :class:`Registration` (item and origin) for ``name``."""
        self.get(name)
        return self._entries[name]

    def remove_origin(self, plugin: str) -> None:
        """Drop everything a plugin registered (used when its hook fails half-way)."""
        for name in [n for n, r in self._entries.items() if r.origin.plugin == plugin]:
            del self._entries[name]

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._entries)

    def registrations(self) -> list[Registration[T]]:
        """All registrations, sorted by name."""
        return [self._entries[n] for n in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)
