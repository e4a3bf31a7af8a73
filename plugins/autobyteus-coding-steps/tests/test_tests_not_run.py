"""A run whose tests never ran (its workspace type has no test command) does not look like one
whose tests passed: the step says so, ``autobyteus run`` warns, ``show --json`` reports it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import autobyteus_coding_steps.plugin
from click.testing import CliRunner

from autobyteus_core import hookimpl
from autobyteus_core.cli import cli
from autobyteus_core.workspace.workspace_type import WorkspaceType


class NoTestsWorkspace:
    @hookimpl
    def register_workspace_settings(self, register):  # type: ignore[no-untyped-def]
        register(WorkspaceType(name="notes", detect_files=("NOTES.txt",), priority=50))


def test_a_run_without_a_test_command_says_its_tests_never_ran(
    autobyteus_app: Any, register_plugin: Any, tmp_path: Path
) -> None:
    register_plugin(autobyteus_coding_steps.plugin)
    register_plugin(NoTestsWorkspace(), "notes_workspace")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "NOTES.txt").write_text("notes\n", encoding="utf-8")
    flow = tmp_path / "flow.toml"
    flow.write_text('name = "only-tests"\n[steps.run_tests]\nstep = "run_tests"\n')
    replies = tmp_path / "replies.json"
    replies.write_text("[]", encoding="utf-8")

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(
            cli, list(args), obj={"app": autobyteus_app}, catch_exceptions=False
        )

    ran = invoke(
        "run", "anything", "-w", str(workspace), "--workflow", str(flow),
        "--model", f"scripted:{replies}",
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert "Warning: the tests never ran: workspace type 'notes' has no test command" in (
        ran.stderr
    )
    assert "succeeded without running its tests." in ran.stdout
    assert "run_tests succeeded: tests not run: workspace type 'notes' has no test command" in (
        ran.stderr
    )

    shown = json.loads(invoke("show", "last", "--json", "-w", str(workspace)).stdout)
    assert shown["status"] == "succeeded"
    assert shown["tests_run"] is False
    assert shown["tests_not_run"] == "workspace type 'notes' has no test command"
    assert "Tests:       not run" in invoke("show", "last", "-w", str(workspace)).stdout
