"""Render a new plugin distribution from the templates shipped in :mod:`scaffold`."""

from __future__ import annotations

import keyword
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autobyteus_core import PLUGIN_API_VERSION, __version__
from autobyteus_core.errors import AutobyteusError

if TYPE_CHECKING:
    from importlib.abc import Traversable

#: Kinds of plugin ``autobyteus plugin new --kind`` can generate: the hook each implements and
#: what it registers.
KINDS: dict[str, tuple[str, str]] = {
    "step": ("register_steps", "workflow step"),
    "provider": ("register_llm_providers", "LLM provider"),
    "workspace": ("register_workspace_settings", "workspace type"),
    "observer": ("workflow_event", "workflow event observer"),
}

#: A last word of the name that the generated class names already say (``docs-step`` makes
#: ``DocsStep``, not ``DocsStepStep``).
_KIND_WORDS = ("step", "provider", "workspace", "observer", "plugin")

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_PREFIX = "autobyteus-"


class ScaffoldError(AutobyteusError):
    """The plugin cannot be generated as asked (bad name, folder not empty...)."""


@dataclass(frozen=True)
class PluginNames:
    """The names a new plugin is generated with, all derived from the one the user gave."""

    distribution: str  #: ``autobyteus-shout``: the name on PyPI
    package: str  #: ``autobyteus_shout``: the import package
    plugin: str  #: ``shout``: the entry-point name (shown by ``autobyteus plugins``)
    ident: str  #: ``shout``: the registered step / provider / workspace type name
    class_prefix: str  #: ``Shout``: the prefix of the generated class names

    @classmethod
    def from_name(cls, name: str) -> PluginNames:
        """Derive every name from ``name`` (``shout`` or ``autobyteus-shout``); the
        distribution is ``name`` itself, lower-cased, with ``_`` and ``.`` as ``-``."""
        distribution = re.sub(r"[-_.]+", "-", name.strip().lower())
        if not _NAME.match(distribution):
            raise ScaffoldError(
                f"invalid plugin name {name!r}: use lower-case letters, digits and dashes, "
                "starting with a letter (e.g. autobyteus-shout)"
            )
        short = distribution.removeprefix(_PREFIX) or distribution
        if distribution in ("autobyteus", "autobyteus-core") or short == "core":
            raise ScaffoldError(f"{name!r} is the core's own name; choose another")
        package = distribution.replace("-", "_")
        ident = short.replace("-", "_")
        if keyword.iskeyword(package) or keyword.iskeyword(ident):
            raise ScaffoldError(f"invalid plugin name {name!r}: it is a Python keyword")
        words = ident.split("_")
        if len(words) > 1 and words[-1] in _KIND_WORDS:
            words = words[:-1]
        class_prefix = "".join(word.capitalize() for word in words)
        return cls(distribution, package, short, ident, class_prefix)


def _template_root() -> Traversable:
    from importlib.resources import files

    return files("autobyteus_core.scaffold") / "templates"


def _walk(folder: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """``(relative path parts, template text)`` of every ``.j2`` file under ``folder``."""
    found: list[tuple[tuple[str, ...], str]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found.extend(_walk(entry, (*prefix, entry.name)))
        elif entry.name.endswith(".j2"):
            found.append(((*prefix, entry.name), entry.read_text(encoding="utf-8")))
    return found


def _output_path(parts: tuple[str, ...], names: PluginNames) -> Path:
    out = []
    for part in parts:
        part = part.removesuffix(".j2").replace("__package__", names.package)
        if part.startswith("dot-"):
            part = "." + part.removeprefix("dot-")
        out.append(part)
    return Path(*out)


def template_context(names: PluginNames, kind: str) -> dict[str, str]:
    """The variables every template sees."""
    major = PLUGIN_API_VERSION.split(".")[0]
    core = ".".join(__version__.split(".")[:2])
    hook, what = KINDS[kind]
    return {
        **asdict(names),
        "kind": kind,
        "hook": hook,
        "description": f"adds the {what} `{names.ident}`",
        "api_range": f">={PLUGIN_API_VERSION},<{int(major) + 1}",
        "core_requirement": f"autobyteus-core>={core}",
    }


def render_plugin(name: str, kind: str) -> dict[Path, str]:
    """Every file of a new ``kind`` plugin called ``name``: relative path → content."""
    from jinja2 import Environment, StrictUndefined

    if kind not in KINDS:
        raise ScaffoldError(f"unknown plugin kind {kind!r}; kinds: {', '.join(KINDS)}")
    names = PluginNames.from_name(name)
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    context = template_context(names, kind)
    root = _template_root()
    files: dict[Path, str] = {}
    for folder in ("_common", kind):
        for parts, text in _walk(root / folder):
            files[_output_path(parts, names)] = env.from_string(text).render(context)
    return files


def write_plugin(name: str, kind: str, target: Path) -> list[Path]:
    """Write a new plugin distribution into ``target`` (which must be missing or empty);
    returns the files written."""
    files = render_plugin(name, kind)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not an empty folder")
    written = []
    for relative, content in sorted(files.items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
