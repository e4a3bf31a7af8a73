"""Module attributes imported on first access (PEP 562), so a package's public names cost
nothing until they are used, and old module paths kept importable for plugin API 1.x."""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader


def lazy_exports(
    namespace: dict[str, Any], names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a module whose ``names`` (public name -> defining
    module) are imported when first read; ``namespace`` is the module's ``globals()``."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # later reads no longer reach __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__


class _AliasLoader:
    """Loads an old module path as the module that now holds its names (a loader by protocol:
    ``importlib.abc`` would import ``importlib.resources`` into every start-up)."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: types.ModuleType) -> None:
        pass  # already executed under its own name


class _AliasFinder:
    def __init__(self, targets: Mapping[str, str]) -> None:
        self.targets = dict(targets)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        new = self.targets.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, cast("Loader", _AliasLoader(new)))


def module_aliases(package: str, moved: Mapping[str, str]) -> None:
    """Keep the old module paths ``package.<old>`` importable after their names moved to
    ``package.<new>`` (``moved`` maps old to new): importing an old path gives the new module
    itself, so every object is the same one. Only at run time: type checkers see the new paths.

    The finder goes last on :data:`sys.meta_path`, so it costs nothing until the regular finders
    have failed to find an old path.
    """
    sys.meta_path.append(
        _AliasFinder({f"{package}.{old}": f"{package}.{new}" for old, new in moved.items()})
    )
