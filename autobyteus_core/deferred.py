"""Registering by import path: a name now, the object the first time it is used.

A ``register_*`` hook may pass ``register(Deferred(name, "package.module:attribute"))`` instead of
the item itself. The core records the name at once (``autobyteus plugins`` lists it, duplicates are
caught) and imports the module only when the item is first looked up, so commands that only list
names never import a plugin's step or provider modules, nor what those import (pydantic, jinja2,
SDKs).
"""

from __future__ import annotations

from dataclasses import dataclass

from autobyteus_core.errors import AutobyteusError

__all__ = ["Deferred", "DeferredPathError", "is_import_path"]


class DeferredPathError(AutobyteusError, ValueError):
    """A :class:`Deferred` was given a name or an import path it cannot use."""


def _dotted(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


def is_import_path(path: object) -> bool:
    """Whether ``path`` has the ``"package.module:attribute"`` form (nothing is imported)."""
    module, sep, attribute = (path if isinstance(path, str) else "").partition(":")
    return bool(sep) and _dotted(module) and _dotted(attribute)


@dataclass(frozen=True)
class Deferred:
    """A registration by import path (plugin API 1.1).

    ``name`` is the name registered now; it must equal the ``name`` of the item the path leads
    to. ``path`` is ``"package.module:attribute"`` (entry-point syntax; the attribute may be
    dotted, ``module:Class.attr``). What the path names is the item itself (a step class, a
    provider or workspace type instance, a workflow definition) or, when it is not, a callable
    that returns the item when called with no arguments (a provider class, a factory function).

    Importing happens on first lookup, once. If the import fails, or the object is not what the hook
    registers, or its name differs, the plugin fails then, exactly as if its ``register_*`` hook had
    raised (a warning line, or :class:`PluginLoadError` in strict mode), and the lookup raises
    :class:`PluginLoadError`. ``autobyteus plugins --check`` imports everything registered this way,
    to find such mistakes before a run does.
    """

    name: str
    path: str

    def __post_init__(self) -> None:
        """Check the name and the shape of the path (nothing is imported)."""
        if not isinstance(self.name, str) or not self.name:
            raise DeferredPathError(f"Deferred needs a non-empty string name, got {self.name!r}")
        if not is_import_path(self.path):
            raise DeferredPathError(
                f"Deferred {self.name!r}: the path must look like 'package.module:attribute', "
                f"got {self.path!r}"
            )

    @property
    def module(self) -> str:
        """The module part of :attr:`path`."""
        return self.path.partition(":")[0]

    def load(self) -> object:
        """Import the module and return the object the path names (not yet called)."""
        import pkgutil

        return pkgutil.resolve_name(self.path)
