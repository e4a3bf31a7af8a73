"""``autobyteus workspace [DIR] [--json]``: the type a folder gets, the rule that chose it, the
test command and every candidate with its priority."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from autobyteus_core import WorkspaceType, hookimpl
from autobyteus_core.cli import cli
from tests import REPO


class NodePlugin:
    @hookimpl
    def register_workspace_settings(self, register):  # type: ignore[no-untyped-def]
        register(
            WorkspaceType(
                name="node",
                detect_files=("package.json",),
                priority=20,
                test_command=("node", "--test"),
                test_framework="node:test",
                test_file_pattern="{module}.test.js",
                test_dir="test",
            )
        )


@pytest.fixture
def app(autobyteus_app: Any, register_plugin: Any) -> Any:
    register_plugin(NodePlugin(), "node_workspace", distribution="ab-node", version="0.4")
    return autobyteus_app


def workspace(app: Any, *args: str) -> Any:
    result = CliRunner().invoke(
        cli, ["workspace", *args], obj={"app": app}, catch_exceptions=False, env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    return result


def test_an_empty_folder_gets_the_default_python_type(app: Any, tmp_path: Path) -> None:
    shown = json.loads(workspace(app, str(tmp_path), "--json").stdout)
    assert shown["type"] == "python"
    assert shown["rule"] == (
        "no type detects the folder, and this one is the highest-priority default "
        "(default_for_empty, priority 10)"
    )
    assert shown["test_command"] == [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    assert (shown["test_framework"], shown["test_file_pattern"]) == ("pytest", "test_{module}.py")
    assert [(c["name"], c["priority"], c["matched"]) for c in shown["candidates"]] == [
        ("node", 20, []),
        ("python", 10, []),
    ]
    assert shown["candidates"][0]["plugin"] == "node_workspace"


def test_the_highest_priority_type_that_detects_the_folder_wins(app: Any, tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "pyproject.toml").write_text("")
    shown = json.loads(workspace(app, str(tmp_path), "--json").stdout)
    assert shown["type"] == "node"
    assert shown["rule"].startswith("package.json is present, and no type of a higher priority")
    assert [c["matched"] for c in shown["candidates"]] == [["package.json"], ["pyproject.toml"]]
    text = workspace(app, str(tmp_path)).stdout
    assert "Type:      node, from plugin 'node_workspace' (ab-node 0.4)" in text
    assert "Tests:     node --test" in text
    assert "Framework: node:test, files test/{module}.test.js" in text
    assert "* node" in text and "python_workspace" in text


def test_a_missing_folder_is_judged_as_empty_and_not_created(app: Any, tmp_path: Path) -> None:
    missing = tmp_path / "not-yet"
    text = workspace(app, str(missing)).stdout
    assert f"Workspace: {missing} (does not exist yet: judged as an empty folder)" in text
    assert "Type:      python, from plugin 'python_workspace' (autobyteus-core" in text
    assert not missing.exists()


def test_the_docs_give_the_built_in_python_types_priority_and_detect_files() -> None:
    from autobyteus_core import python_workspace

    kind = python_workspace()
    repo = REPO
    docs_page = " ".join((repo / "docs" / "using-plugins.md").read_text(encoding="utf-8").split())
    contributing = " ".join((repo / "CONTRIBUTING.md").read_text(encoding="utf-8").split())
    files = ", ".join(f"`{name}`" for name in kind.detect_files[:-1])
    assert kind.default_for_empty
    assert f"`python` type has priority {kind.priority}, detects {files} or " in docs_page
    assert f"`{kind.detect_files[-1]}`, and is the default" in docs_page
    assert f"the built-in `python` type has priority {kind.priority} and is that default" in (
        contributing
    )
