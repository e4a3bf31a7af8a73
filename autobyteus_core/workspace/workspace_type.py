"""What ``register_workspace_settings`` registers: a kind of project and its conventions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_validator

from autobyteus_core.deferred import is_import_path
from autobyteus_core.errors import ConfigurationError

if TYPE_CHECKING:
    from autobyteus_core.workspace.repo_map import RepoMapBuilder


class WorkspaceType(BaseModel):
    """A project kind (``python``, ...): how to recognise it, test it and lay it out.

    ``detect_files`` are file names whose presence at the workspace root marks this type (an empty
    workspace matches the type with the highest ``priority`` that sets ``default_for_empty``).
    ``test_command`` is an argv list; ``{python}`` in it is replaced by the interpreter that runs
    autobyteus. ``test_framework`` names the framework tests are written for (``pytest``,
    ``jest``...; ``pytest`` by default) and ``test_file_pattern`` how a test file of module
    ``{module}`` is named in ``test_dir`` (``test_{module}.py`` by default, ``{module}.test.js``): a
    step that writes tests serves the frameworks it knows and refuses the others.
    ``layout_conventions`` is prose shown to the LLM in prompts. ``repo_map_builder`` is the import
    path (``"package.module:function"``, imported when first used) of a :class:`RepoMapBuilder` that
    outlines the project's source files for prompts; without one they see the file tree.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    detect_files: tuple[str, ...] = ()
    priority: int = 0
    default_for_empty: bool = False
    test_command: tuple[str, ...] = ()
    # pytest unless said otherwise: types written for plugin API 1.0-1.2 declare neither field,
    # and their tests were always pytest files.
    test_framework: str = "pytest"
    test_file_pattern: str = "test_{module}.py"
    source_dir: str = "."
    test_dir: str = "tests"
    file_extensions: tuple[str, ...] = ()
    layout_conventions: str = ""
    repo_map_builder: str = ""

    @field_validator("repo_map_builder")
    @classmethod
    def _import_path(cls, value: str) -> str:
        if value and not is_import_path(value):
            raise ValueError(f"must look like 'package.module:function', got {value!r}")
        return value

    def map_builder(self) -> RepoMapBuilder | None:
        """The callable :attr:`repo_map_builder` names, imported now; None when it names none.
        Raises :class:`ConfigurationError` when it cannot be imported or is not callable."""
        if not self.repo_map_builder:
            return None
        import pkgutil

        try:
            builder = pkgutil.resolve_name(self.repo_map_builder)
        except Exception as exc:  # whatever importing the plugin's module raised
            raise ConfigurationError(
                f"workspace type {self.name!r}: cannot import its repo_map_builder "
                f"{self.repo_map_builder!r}: {exc}"
            ) from exc
        if not callable(builder):
            raise ConfigurationError(
                f"workspace type {self.name!r}: its repo_map_builder {self.repo_map_builder!r} "
                "is not callable"
            )
        return builder  # type: ignore[no-any-return]

    def test_argv(self, python: str | None = None) -> list[str]:
        """:attr:`test_command` with ``{python}`` replaced by ``python`` (default: the
        interpreter running autobyteus)."""
        import sys

        return [arg.replace("{python}", python or sys.executable) for arg in self.test_command]

    def detects(self, root: Path) -> bool:
        """Whether the folder ``root`` looks like a project of this type."""
        return any((root / name).exists() for name in self.detect_files)
