"""Listing a workspace the way a developer sees it: ``.gitignore`` honoured, control folders,
virtual environments and caches skipped, symbolic links never followed into directories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autobyteus_core.workspace.path_rules import CONTROL_DIRS, VENV_MARKER

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

#: Folders never listed, whatever ``.gitignore`` says.
ALWAYS_SKIPPED: frozenset[str] = CONTROL_DIRS | {"__pycache__"}


@dataclass(frozen=True)
class TreeEntry:
    """One listed path relative to the root (``/`` separators) and whether it is a directory."""

    path: str
    is_dir: bool

    @property
    def depth(self) -> int:
        """How many folders deep the entry is (0 at the root)."""
        return self.path.count("/")


def _load_gitignore(directory: Path) -> GitIgnoreSpec | None:
    ignore_file = directory / ".gitignore"
    if not ignore_file.is_file():
        return None
    from pathspec import GitIgnoreSpec

    try:
        lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return GitIgnoreSpec.from_lines(lines)


def _ignored(specs: list[tuple[str, GitIgnoreSpec]], rel: str, is_dir: bool) -> bool:
    """Whether ``rel`` is ignored; deeper ``.gitignore`` files override shallower ones."""
    decision = False
    for base, spec in specs:
        sub = rel[len(base) :] if base else rel
        result = spec.check_file(sub + "/" if is_dir else sub)
        if result.include is not None:
            decision = result.include
    return decision


def walk_workspace(root: Path) -> Iterator[TreeEntry]:
    """Yield the workspace's entries depth-first, sorted by name, folders before files."""

    def walk(
        directory: Path, rel: str, specs: list[tuple[str, GitIgnoreSpec]]
    ) -> Iterator[TreeEntry]:
        own = _load_gitignore(directory)
        if own is not None:
            specs = [*specs, (rel, own)]
        try:
            with os.scandir(directory) as scan:
                entries = list(scan)
        except OSError:
            return
        dirs: list[os.DirEntry[str]] = []
        files: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            (dirs if is_dir else files).append(entry)
        for entry in sorted(dirs, key=lambda e: e.name):
            path = rel + entry.name
            if entry.name in ALWAYS_SKIPPED or _ignored(specs, path, True):
                continue
            if os.path.exists(os.path.join(entry.path, VENV_MARKER)):
                continue
            yield TreeEntry(path, True)
            yield from walk(Path(entry.path), path + "/", specs)
        for entry in sorted(files, key=lambda e: e.name):
            path = rel + entry.name
            if not _ignored(specs, path, False):
                yield TreeEntry(path, False)

    yield from walk(Path(root), "", [])


def render_tree(root: Path, max_entries: int = 400) -> str:
    """An indented listing (folders end with ``/``), cut after ``max_entries`` lines."""
    lines: list[str] = []
    more = 0
    for entry in walk_workspace(root):
        if len(lines) >= max_entries:
            more += 1
            continue
        name = entry.path.rsplit("/", 1)[-1]
        lines.append("  " * entry.depth + name + ("/" if entry.is_dir else ""))
    if more:
        lines.append(f"... ({more} more entries)")
    return "\n".join(lines) if lines else "(empty)"
