"""Reading workspace files for prompts, with the same path rules as writing them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from autobyteus_coding_steps.parsing.paths import module_name, normalise_path
from autobyteus_core import UnsafePathError, WorkspaceError

if TYPE_CHECKING:
    from autobyteus_core import WorkspaceSetting


def resolved(workspace: WorkspaceSetting, path: str) -> Path:
    """Where the workspace path ``path`` is on disk, by the safe writer's rules (raises
    :class:`~autobyteus_core.workspace.errors.UnsafePathError` for a path it would refuse)."""
    return Path(workspace.writer.real_root(), *workspace.writer.resolve(path))


def read_existing(workspace: WorkspaceSetting, path: str) -> str | None:
    """The text of the workspace file ``path``, or None when there is none.

    Raises :class:`~autobyteus_core.workspace.errors.UnsafePathError` for a path the safe writer
    would refuse (one that leaves the workspace through a symbolic link, for instance) and for an
    existing directory, so nothing outside the workspace is ever read into a prompt.
    """
    target = resolved(workspace, path)
    if target.is_dir():
        raise UnsafePathError(path, "it is an existing directory, not a file")
    if not target.is_file():
        return None
    return target.read_text(encoding="utf-8", errors="replace")


def file_bytes(workspace: WorkspaceSetting, path: str) -> bytes | None:
    """The bytes of the workspace file ``path``; None when it cannot be read or is a path the
    safe writer would refuse."""
    try:
        return resolved(workspace, path).read_bytes()
    except (OSError, WorkspaceError):
        return None


def file_text(workspace: WorkspaceSetting, path: str) -> str:
    """The text of the workspace file ``path`` with its newlines as they are (CRLF stays
    CRLF, unlike :func:`read_existing`); empty when it cannot be read."""
    return (file_bytes(workspace, path) or b"").decode("utf-8", errors="replace")


def holds(workspace: WorkspaceSetting, path: str, content: str) -> bool:
    """Whether the workspace file ``path`` holds exactly ``content``."""
    return file_bytes(workspace, path) == content.encode("utf-8")


def relative_to_dir(path: str, directory: str) -> str | None:
    """``path`` relative to ``directory`` (both workspace-relative), or None when outside it."""
    directory = normalise_path(directory)
    path = normalise_path(path)
    if not directory:
        return path
    if path.startswith(directory + "/"):
        return path[len(directory) + 1 :]
    return None


def is_test_path(path: str, test_dir: str) -> bool:
    """Whether ``path`` is a test file: under the test folder or named ``test_*.py``/``*_test.py``."""
    name = path.rsplit("/", 1)[-1]
    inside = relative_to_dir(path, test_dir) is not None and normalise_path(test_dir) != ""
    return inside or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def importable_module(path: str, source_dir: str) -> str | None:
    """The name the module at ``path`` is imported by, given the project's source folder
    (``src/pkg/x.py`` with source folder ``src`` → ``pkg.x``); None when it is not importable."""
    inner = relative_to_dir(path, source_dir)
    return module_name(inner) if inner is not None else None


def package_inits(paths: list[str], source_dir: str, test_dir: str) -> list[str]:
    """The ``__init__.py`` files that make packages of the folders holding the generated source
    modules ``paths`` (test files excluded), outermost first."""
    inits: list[str] = []
    prefix = normalise_path(source_dir)
    for path in paths:
        if not path.endswith(".py") or is_test_path(path, test_dir):
            continue
        inner = relative_to_dir(path, source_dir)
        if inner is None:
            continue
        folders = inner.split("/")[:-1]
        for depth in range(1, len(folders) + 1):
            if not all(part.isidentifier() for part in folders[:depth]):
                break
            init = "/".join([*([prefix] if prefix else []), *folders[:depth], "__init__.py"])
            if init not in inits:
                inits.append(init)
    return inits
