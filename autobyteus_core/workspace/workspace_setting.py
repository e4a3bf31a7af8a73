"""``WorkspaceSetting``: the folder a workflow works in, its project type and its conventions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autobyteus_core.workspace.control_files import ControlFiles
from autobyteus_core.workspace.errors import WorkspaceError
from autobyteus_core.workspace.interpreter import Interpreter, project_interpreter
from autobyteus_core.workspace.safe_writer import SafeWriter
from autobyteus_core.workspace.workspace_tree import TreeEntry, render_tree, walk_workspace
from autobyteus_core.workspace.workspace_type import WorkspaceType
from autobyteus_core.workspace.written_file import WrittenFile


def detect_workspace_type(root: Path, types: Iterable[WorkspaceType]) -> WorkspaceType | None:
    """The highest-priority type that detects ``root``; when none does, the highest-priority
    type marked ``default_for_empty``; None when there is neither."""
    ranked = sorted(types, key=lambda t: (-t.priority, t.name))
    for candidate in ranked:
        if candidate.detects(root):
            return candidate
    return next((t for t in ranked if t.default_for_empty), None)


class WorkspaceSetting:
    """A workspace: its root, its detected project type and the one safe writer into it.

    Build one with :meth:`detect` to pick the project type from the registered workspace types.
    """

    def __init__(
        self,
        root: Path | str,
        workspace_type: WorkspaceType | None = None,
        *,
        max_file_bytes: int = 1_000_000,
        control_files: ControlFiles | None = None,
        python: str | None = None,
    ) -> None:
        """A workspace at ``root`` (created when missing) of ``workspace_type``, whose
        ``control_files`` the writer never changes; its code runs with ``python`` (the setting
        of that name), else the workspace's ``.venv``/``venv``, else autobyteus's own."""
        self.root = Path(root).expanduser().absolute()
        if self.root.exists() and not self.root.is_dir():
            raise WorkspaceError(f"the workspace {self.root} exists and is not a directory")
        self.root.mkdir(parents=True, exist_ok=True)
        self.workspace_type = workspace_type
        self.writer = SafeWriter(
            self.root, max_file_bytes=max_file_bytes, control_files=control_files
        )
        self.interpreter: Interpreter = project_interpreter(self.root, python)

    @classmethod
    def detect(
        cls,
        root: Path | str,
        types: Iterable[WorkspaceType],
        *,
        max_file_bytes: int = 1_000_000,
        control_files: ControlFiles | None = None,
        python: str | None = None,
    ) -> WorkspaceSetting:
        """A workspace at ``root`` whose type is decided by :func:`detect_workspace_type`."""
        path = Path(root).expanduser().absolute()
        return cls(
            path,
            detect_workspace_type(path, types),
            max_file_bytes=max_file_bytes,
            control_files=control_files,
            python=python,
        )

    # -- conventions ---------------------------------------------------------------------------

    @property
    def project_type(self) -> str | None:
        """The name of the project type (``"python"``), if one was detected."""
        return self.workspace_type.name if self.workspace_type else None

    @property
    def python(self) -> str:
        """The project's interpreter (see :attr:`interpreter` for why it was chosen)."""
        return self.interpreter.path

    @property
    def test_command(self) -> list[str]:
        """The argv that runs the project's tests, ``{python}`` replaced by :attr:`python`."""
        return self.workspace_type.test_argv(self.python) if self.workspace_type else []

    @property
    def source_dir(self) -> str:
        """Where source files go, relative to the root."""
        return self.workspace_type.source_dir if self.workspace_type else "."

    @property
    def test_dir(self) -> str:
        """Where test files go, relative to the root."""
        return self.workspace_type.test_dir if self.workspace_type else "tests"

    @property
    def layout_conventions(self) -> str:
        """Prose about the project layout, shown to the LLM in prompts."""
        return self.workspace_type.layout_conventions if self.workspace_type else ""

    # -- files ---------------------------------------------------------------------------------

    def files(self) -> list[str]:
        """Every file of the workspace (relative, ``/`` separators), ``.gitignore`` honoured."""
        return [e.path for e in walk_workspace(self.root) if not e.is_dir]

    def entries(self) -> list[TreeEntry]:
        """Every listed file and folder, as :func:`walk_workspace` yields them."""
        return list(walk_workspace(self.root))

    def tree(self, max_entries: int = 400) -> str:
        """The directory tree as indented text, for prompts."""
        return render_tree(self.root, max_entries=max_entries)

    def write_file(self, path: str, content: str | bytes) -> WrittenFile:
        """Write through the safe writer (see :class:`SafeWriter`)."""
        return self.writer.write(path, content)

    def read_text(self, path: str) -> str:
        """Read a workspace file; the path obeys the same rules as writes."""
        parts = self.writer.resolve(path)
        target = Path(self.writer.real_root(), *parts)
        try:
            return target.read_text(encoding="utf-8")
        except OSError as exc:
            raise WorkspaceError(f"cannot read {path!r}: {exc.strerror or exc}") from exc

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (root, type, test command, conventions)."""
        return {
            "root": str(self.root),
            "project_type": self.project_type,
            "test_command": self.test_command,
            "python": self.python,
            "python_source": self.interpreter.source,
            "source_dir": self.source_dir,
            "test_dir": self.test_dir,
            "layout_conventions": self.layout_conventions,
        }

    def __repr__(self) -> str:
        return f"<WorkspaceSetting {str(self.root)!r} ({self.project_type or 'unknown type'})>"
