"""What plugins are installed, read from package metadata only: no plugin is imported.

``autobyteus install``/``uninstall`` and ``autobyteus plugins --freeze`` use this, so they keep
working when an installed plugin is broken. A plugin distribution is any installed distribution
with an entry point in the ``autobyteus`` group.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autobyteus_core import PROJECT_NAME
from autobyteus_core.plugins import CORE_DISTRIBUTION, canonical_name

if TYPE_CHECKING:
    from importlib.metadata import Distribution

    from autobyteus_core.plugins import PluginRecord


@dataclass(frozen=True)
class PluginDistribution:
    """One installed plugin distribution: its name, version, entry points and install origin."""

    name: str
    version: str
    entry_points: tuple[str, ...]
    direct_url: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        """The normalised name, for comparisons."""
        return canonical_name(self.name)

    @property
    def editable_location(self) -> str | None:
        """The source folder (or URL) of an editable install, else None."""
        if not self.direct_url or not self.direct_url.get("dir_info", {}).get("editable"):
            return None
        return _url_to_location(str(self.direct_url.get("url", "")))

    def requirement(self) -> str:
        """The line that reinstalls this distribution from a requirements file, as ``pip freeze``
        would write it: ``-e PATH`` for an editable install, ``name @ URL`` for one installed
        from a VCS, an archive or a folder, ``name==version`` otherwise."""
        editable = self.editable_location
        if editable is not None:
            return f"-e {editable}"
        if self.direct_url and self.direct_url.get("url"):
            url = str(self.direct_url["url"])
            vcs = self.direct_url.get("vcs_info")
            if vcs:
                commit = vcs.get("commit_id")
                url = f"{vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if commit else "")
            return f"{self.name} @ {url}"
        return f"{self.name}=={self.version}"


def _url_to_location(url: str) -> str:
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    parsed = urlparse(url)
    if parsed.scheme != "file":
        return url
    return url2pathname(parsed.path)


def _direct_url(dist: Distribution) -> dict[str, Any] | None:
    text = dist.read_text("direct_url.json")
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def installed_plugin_distributions() -> list[PluginDistribution]:
    """Every installed distribution with an ``autobyteus`` entry point, sorted by name.

    Reads metadata afresh (caches invalidated), so it sees what pip just installed or removed.
    """
    import importlib
    from importlib.metadata import entry_points

    importlib.invalidate_caches()
    found: dict[str, tuple[Distribution, list[str]]] = {}
    for ep in entry_points(group=PROJECT_NAME):
        dist = ep.dist
        if dist is None:
            continue
        name = dist.metadata["Name"] or dist.name
        if canonical_name(name) == CORE_DISTRIBUTION:
            continue
        _dist, names = found.setdefault(canonical_name(name), (dist, []))
        names.append(f"{ep.name} = {ep.value}")
    plugins = [
        PluginDistribution(
            name=dist.metadata["Name"] or dist.name,
            version=dist.version,
            entry_points=tuple(sorted(names)),
            direct_url=_direct_url(dist),
        )
        for dist, names in found.values()
    ]
    return sorted(plugins, key=lambda p: p.key)


def plugin_versions() -> dict[str, str]:
    """Normalised plugin distribution name → installed version."""
    return {p.key: p.version for p in installed_plugin_distributions()}


def freeze_lines() -> list[str]:
    """Requirement lines that reinstall every installed plugin (``autobyteus plugins --freeze``;
    feed them back with ``autobyteus install -r FILE``)."""
    return [p.requirement() for p in installed_plugin_distributions()]


def changed_distributions(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Normalised names in ``after`` that are new or have another version than in ``before``."""
    return sorted(name for name, version in after.items() if before.get(name) != version)


def records_with_hook(records: Iterable[PluginRecord], hook: str) -> list[PluginRecord]:
    """The plugins that implement ``hook``; an unknown hook name raises ``ValueError`` naming
    the known ones (``autobyteus plugins --hook NAME``)."""
    from autobyteus_core.hookspecs import ALL_HOOKS

    if hook not in ALL_HOOKS:
        raise ValueError(f"unknown hook {hook!r}; hooks: {', '.join(ALL_HOOKS)}")
    return [record for record in records if hook in record.hooks]
