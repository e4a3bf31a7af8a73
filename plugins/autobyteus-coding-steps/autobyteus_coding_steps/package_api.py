"""A package's public API as the requirement names it: the re-exports its ``__init__.py`` needs,
and which module defines each name (where a failure to import it must be fixed)."""

from __future__ import annotations

from collections.abc import Mapping

from autobyteus_coding_steps.parsing.python_source import defined_names


def defining_module(package: str, name: str, sources: Mapping[str, str]) -> str | None:
    """The module inside ``package`` (``sources``: module name → source) that defines ``name``
    at its top level, the shallowest first; None when none does."""
    inside = [m for m in sources if m.startswith(f"{package}.")]
    for module in sorted(inside, key=lambda m: m.count(".")):
        if name in (defined_names(sources[module]) or []):
            return module
    return None


def init_source(package: str, api: list[tuple[str, str]], sources: Mapping[str, str]) -> str:
    """The ``__init__.py`` of ``package`` that re-exports the names of ``api`` (``(module,
    name)`` pairs) given as ``package.name`` from the modules defining them; empty when it
    needs none."""
    by_module: dict[str, list[str]] = {}
    for module, name in api:
        if module != package:
            continue
        origin = defining_module(package, name, sources)
        if origin is not None:
            by_module.setdefault(origin, []).append(name)
    if not by_module:
        return ""
    lines = [
        f'"""The `{package}` package: {", ".join(n for ns in by_module.values() for n in ns)}."""',
        "",
    ]
    lines += [
        f"from .{module[len(package) + 1 :]} import {', '.join(names)}"
        for module, names in by_module.items()
    ]
    exported = [name for names in by_module.values() for name in names]
    lines += ["", "__all__ = [" + ", ".join(f'"{name}"' for name in exported) + "]"]
    return "\n".join(lines) + "\n"


def missing_reexports(
    package: str, api: list[tuple[str, str]], sources: Mapping[str, str], existing: str
) -> str:
    """The lines to append to ``package``'s existing ``__init__.py`` (source ``existing``) so
    that it re-exports the names of ``api`` it lacks from the modules of ``sources`` defining
    them (and lists them in its ``__all__``, if it has one); empty when it lacks none or does
    not parse."""
    have = defined_names(existing)
    if have is None:
        return ""
    by_module: dict[str, list[str]] = {}
    for module, name in api:
        origin = defining_module(package, name, sources) if module == package else None
        if origin is not None and name not in have and name not in by_module.get(origin, []):
            by_module.setdefault(origin, []).append(name)
    if not by_module:
        return ""
    lines = [
        f"from .{module[len(package) + 1 :]} import {', '.join(names)}"
        for module, names in by_module.items()
    ]
    if "__all__" in have:
        added = [name for names in by_module.values() for name in names]
        lines.append("__all__ += [" + ", ".join(f'"{name}"' for name in added) + "]")
    return "\n".join(lines) + "\n"
