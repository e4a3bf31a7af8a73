"""Control files: the workspace files autobyteus reads its own settings or prompts from.

LLM output must never create or change them, or a generated ``.env`` could send the user's key
to another server on the next run. They are ``.env`` and ``autobyteus.toml`` (in any folder,
since any folder may be a workspace of a later run), the prompt override files the settings name,
and the ``[tool.autobyteus]`` table of a ``pyproject.toml``: a generated ``pyproject.toml`` is
fine as long as that table stays exactly as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

#: Names autobyteus reads settings from (compared case-insensitively: some file systems are).
CONTROL_FILE_NAMES: frozenset[str] = frozenset({".env", "autobyteus.toml"})
PYPROJECT = "pyproject.toml"
_TOOL_TABLE = ("tool", "autobyteus")


def control_name_problem(parts: tuple[str, ...]) -> str | None:
    """Why the path ``parts`` names a control file by its name alone, or None."""
    name = parts[-1].casefold()
    if name in CONTROL_FILE_NAMES:
        return f"'{parts[-1]}' is a control file autobyteus reads its settings from"
    return None


def toml_table_change(old: bytes | None, new: bytes, table: tuple[str, ...]) -> str | None:
    """How the TOML text ``new`` changes the table at ``table`` (e.g. ``("tool", "pytest")``)
    compared with ``old`` (None: no file yet), or None when it leaves it exactly as it was."""
    from autobyteus_core.tomlcompat import tomllib

    name = "[" + ".".join(table) + "]"
    try:
        after = _table(tomllib.loads(new.decode("utf-8")), table)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"it is not valid TOML, so its {name} table cannot be checked ({exc})"
    try:
        before = _table(tomllib.loads(old.decode("utf-8")), table) if old is not None else None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        before = None
    if after == before:
        return None
    if before is None:
        return f"it adds a {name} table"
    if after is None:
        return f"it removes the {name} table"
    return f"it changes the {name} table"


def _table(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


class ControlFiles:
    """The control files of one workspace: the fixed names plus ``extra`` workspace-relative
    paths (prompt override files inside the workspace)."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        """Protect the fixed names and every path in ``extra`` (``/``-separated, relative)."""
        self.extra = frozenset(p.casefold() for p in extra)

    @classmethod
    def for_workspace(cls, root: Path, files: Iterable[Path]) -> ControlFiles:
        """Control files of the workspace ``root``, with those of ``files`` that lie in it."""
        real_root = os.path.realpath(root)
        inside: list[str] = []
        for file in files:
            real = os.path.realpath(file)
            if real.startswith(real_root.rstrip(os.sep) + os.sep):
                inside.append(Path(os.path.relpath(real, real_root)).as_posix())
        return cls(inside)

    def problem(
        self, parts: tuple[str, ...], new: bytes, old: Callable[[], bytes | None]
    ) -> str | None:
        """Why writing ``new`` to the workspace path ``parts`` would change a control file, or
        None. ``old`` reads the current content (called only for a ``pyproject.toml``)."""
        named = control_name_problem(parts)
        if named is not None:
            return named
        if "/".join(parts).casefold() in self.extra:
            return "it is a prompt template file the settings point autobyteus at"
        if parts[-1].casefold() == PYPROJECT:
            change = toml_table_change(old(), new, _TOOL_TABLE)
            if change is not None:
                return f"{change}, which holds autobyteus's own settings"
        return None
