"""Tiny version-range check for plugin API compatibility (``>=1,<2``, ``==1.0``, ``~=1.0``)."""

from __future__ import annotations


def version_in_range(version: str, spec: str) -> bool:
    """Whether ``version`` satisfies the PEP 440 specifier ``spec`` (uses ``packaging``)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(spec).contains(version, prereleases=True)
    except InvalidSpecifier as exc:
        raise ValueError(str(exc)) from exc
