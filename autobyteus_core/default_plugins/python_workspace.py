"""The ``python`` workspace type: pytest, ``tests/``, a package per folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autobyteus_core import Deferred, hookimpl

if TYPE_CHECKING:
    from autobyteus_core.workspace.workspace_type import WorkspaceType


def python_workspace() -> WorkspaceType:
    """The python workspace type (built when first used, so listing plugins imports no pydantic)."""
    from autobyteus_core.workspace.workspace_type import WorkspaceType

    return WorkspaceType(
        name="python",
        description="A Python project tested with pytest",
        detect_files=("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt"),
        priority=10,
        default_for_empty=True,
        test_command=("{python}", "-m", "pytest", "-q", "-p", "no:cacheprovider"),
        test_framework="pytest",
        test_file_pattern="test_{module}.py",
        source_dir=".",
        test_dir="tests",
        file_extensions=(".py",),
        layout_conventions=(
            "Python 3 code. Each package is a folder with an __init__.py; each class has its own "
            "module named after it in snake_case. Tests are pytest files named tests/test_<module>.py "
            "that import the package by its name (the workspace root is on sys.path)."
        ),
        repo_map_builder="autobyteus_core.default_plugins.python_repo_map:python_repo_map",
    )


@hookimpl
def register_workspace_settings(register: Callable[[WorkspaceType | Deferred], None]) -> None:
    """Register the python workspace type, built by :func:`python_workspace` on first use."""
    register(Deferred("python", f"{__name__}:python_workspace"))
