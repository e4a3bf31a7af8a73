"""Files generated code must not leave behind: what a later run or the test run would obey.

The sandbox keeps existing settings files read-only, but code running in the workspace can still
*create* a missing ``.env`` (the next run would send the key where it says) or a ``conftest.py``
whose hooks turn failures into passes. Each execution is bracketed by a snapshot of these files;
whatever it created or changed is put back afterwards and reported.
"""

from __future__ import annotations

import os
from pathlib import Path

from autobyteus_core.workspace.path_rules import CONTROL_DIRS, VENV_MARKER

#: Settings autobyteus reads, and the files that configure pytest.
GUARDED_NAMES = frozenset(
    {
        ".env",
        "autobyteus.toml",
        "pyproject.toml",
        "conftest.py",
        "pytest.ini",
        ".pytest.ini",
        "setup.cfg",
        "tox.ini",
    }
)
_SKIPPED_DIRS = CONTROL_DIRS | {"__pycache__", "node_modules"}

Snapshot = dict[str, bytes]
#: Stands for a symbolic link in a snapshot (a NUL never starts a settings file worth keeping).
_LINK = b"\0link:"


def snapshot(root: Path, extra: frozenset[str] = frozenset()) -> Snapshot:
    """The guarded files under ``root`` (relative path -> content), plus the ``extra``
    relative paths (prompt override files). ``.gitignore`` is not consulted: generated code
    could write one."""
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [
            d
            for d in dirs
            if d not in _SKIPPED_DIRS and not os.path.exists(os.path.join(folder, d, VENV_MARKER))
        ]
        for name in files:
            path = os.path.join(folder, name)
            rel = Path(os.path.relpath(path, root)).as_posix()
            if name.casefold() not in GUARDED_NAMES and rel.casefold() not in extra:
                continue
            try:
                if os.path.islink(path):  # never followed: it may point anywhere
                    found[rel] = _LINK + os.readlink(path).encode("utf-8", "surrogateescape")
                else:
                    with open(path, "rb") as handle:
                        found[rel] = handle.read()
            except OSError:
                continue
    return found


def restore(root: Path, before: Snapshot, extra: frozenset[str] = frozenset()) -> list[str]:
    """Put the guarded files back as ``before`` had them; the relative paths put back, each
    with what was undone ("created", "changed" or "removed")."""
    after = snapshot(root, extra)
    undone = []
    for rel, content in after.items():
        if before.get(rel) == content:
            continue
        os.unlink(root / rel)  # a link is removed, never written through
        if rel in before:
            _put_back(root / rel, before[rel])
        undone.append(f"{rel} ({'changed' if rel in before else 'created'})")
    for rel, content in before.items():
        if rel not in after:
            _put_back(root / rel, content)
            undone.append(f"{rel} (removed)")
    return sorted(undone)


def _put_back(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if content.startswith(_LINK):
        os.symlink(content[len(_LINK) :].decode("utf-8", "surrogateescape"), path)
    else:
        path.write_bytes(content)
