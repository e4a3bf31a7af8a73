"""WorkspaceSetting: project type detection, the directory tree, conventions, reading files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from autobyteus_core.default_plugins.python_workspace import python_workspace
from autobyteus_core.workspace.errors import UnsafePathError, WorkspaceError
from autobyteus_core.workspace.workspace_setting import WorkspaceSetting, detect_workspace_type
from autobyteus_core.workspace.workspace_type import WorkspaceType

NODE = WorkspaceType(
    name="node", detect_files=("package.json",), priority=20, test_command=("npm", "test")
)


def _types(app: Any) -> list[WorkspaceType]:
    return [r.item for r in app.workspace_types.registrations()]


def test_the_registered_python_type_is_detected_and_is_the_default(
    autobyteus_app: Any, workspace: Path
) -> None:
    empty = WorkspaceSetting.detect(workspace, _types(autobyteus_app))
    assert empty.project_type == "python"  # default_for_empty
    (workspace / "pyproject.toml").write_text("[project]\nname='x'\n", encoding="utf-8")
    detected = WorkspaceSetting.detect(workspace, _types(autobyteus_app))
    assert detected.project_type == "python"
    assert detected.test_command[0] == sys.executable
    assert detected.test_command[1:3] == ["-m", "pytest"]
    assert detected.test_dir == "tests" and "pytest" in detected.layout_conventions
    assert detected.to_dict()["root"] == str(workspace)


def test_the_highest_priority_detecting_type_wins(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("", encoding="utf-8")
    assert detect_workspace_type(tmp_path, [python_workspace(), NODE]) == NODE
    (tmp_path / "package.json").unlink()
    assert detect_workspace_type(tmp_path, [python_workspace(), NODE]).name == "python"  # type: ignore[union-attr]
    assert detect_workspace_type(tmp_path, [NODE]) is None
    unknown = WorkspaceSetting(tmp_path)
    assert unknown.project_type is None and unknown.test_command == []


def test_a_missing_root_is_created_and_a_file_root_is_refused(tmp_path: Path) -> None:
    WorkspaceSetting(tmp_path / "new" / "ws")
    assert (tmp_path / "new" / "ws").is_dir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="not a directory"):
        WorkspaceSetting(tmp_path / "file")


def _make(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def test_the_tree_honours_gitignore_and_skips_control_folders(workspace: Path) -> None:
    _make(
        workspace,
        {
            ".gitignore": "*.log\nbuild/\n!keep.log\n",
            "app/__init__.py": "",
            "app/main.py": "",
            "app/debug.log": "",
            "keep.log": "",
            "build/out.py": "",
            "docs/.gitignore": "draft*\n",
            "docs/draft1.md": "",
            "docs/final.md": "",
            ".git/config": "",
            ".autobyteus/runs/x/state.json": "",
            ".venv/bin/python": "",
            "env/pyvenv.cfg": "",
            "env/lib/site.py": "",
            "app/__pycache__/main.cpython-311.pyc": "",
        },
    )
    (workspace / "outside_link").symlink_to(workspace.parent, target_is_directory=True)
    setting = WorkspaceSetting(workspace)
    assert setting.files() == [
        "app/__init__.py",
        "app/main.py",
        "docs/.gitignore",
        "docs/final.md",
        ".gitignore",
        "keep.log",
        "outside_link",
    ]
    assert setting.tree().splitlines() == [
        "app/",
        "  __init__.py",
        "  main.py",
        "docs/",
        "  .gitignore",
        "  final.md",
        ".gitignore",
        "keep.log",
        "outside_link",
    ]
    assert setting.tree(max_entries=2).splitlines()[-1] == "... (7 more entries)"


def test_reading_obeys_the_same_rules_as_writing(workspace: Path, tmp_path: Path) -> None:
    setting = WorkspaceSetting(workspace)
    setting.write_file("pkg/a.py", "A = 1\n")
    assert setting.read_text("pkg/a.py") == "A = 1\n"
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    with pytest.raises(UnsafePathError):
        setting.read_text("../secret.txt")
    with pytest.raises(WorkspaceError, match="cannot read"):
        setting.read_text("pkg/missing.py")
