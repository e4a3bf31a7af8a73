"""What a workspace type's repository map builder gives back: an outline of each source file.

A :class:`WorkspaceType` names its builder by import path in ``repo_map_builder``
(``"package.module:function"``). The coding steps read the project's source files (the type's
``file_extensions``; control folders, virtual environments, caches and huge files left out), call
the builder once with their texts, rank its entries by relevance to the requirement and cut them to
the ``repo_map_tokens`` budget. A type without a builder gets the plain file tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class MapEntry:
    """One file of a repository map.

    ``summary`` is one line about the file (a module's docstring), ``outline`` its lines in the
    map (its classes and functions, indented two spaces a level), ``note`` a word about a file
    that has none (``does not parse: line 3``).
    ``names`` are the names it defines and ``imports`` the workspace paths it imports: a file
    whose names the requirement mentions ranks first, the files it imports next.
    """

    path: str
    summary: str = ""
    outline: tuple[str, ...] = ()
    note: str = ""
    names: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()


class RepoMapBuilder(Protocol):
    """The callable a ``repo_map_builder`` import path names (plugin API 1.4)."""

    def __call__(self, sources: Mapping[str, str], source_dir: str) -> list[MapEntry]:
        """An entry for each of ``sources`` (workspace path -> text; the builder only reads
        them, it never imports or runs them), given the type's source folder ``source_dir``
        (``"."``, ``"src"``). A source it leaves out is listed by its path alone."""
        ...
