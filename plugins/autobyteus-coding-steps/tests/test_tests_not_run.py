"""A run whose tests never ran (no workspace type, so no test command) does not look like one
whose tests passed: the step says so, ``autobyteus run`` warns, ``show --json`` reports it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def autobyteus(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AUTOBYTEUS_LOAD_PLUGINS": "coding_steps",
        "AUTOBYTEUS_DISABLE_PLUGINS": "python_workspace",  # the only type with a test command
        "AUTOBYTEUS_LOG_FORMAT": "json",
    }
    return subprocess.run(
        [sys.executable, "-m", "autobyteus_core.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_a_run_without_a_test_command_says_its_tests_never_ran(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    flow = tmp_path / "flow.toml"
    flow.write_text('name = "only-tests"\n[steps.run_tests]\nstep = "run_tests"\n')
    replies = tmp_path / "replies.json"
    replies.write_text("[]", encoding="utf-8")
    why = "no workspace type was detected, so there is no test command"

    ran = autobyteus(
        "run", "anything", "-w", str(workspace), "--workflow", str(flow),
        "--model", f"scripted:{replies}", cwd=tmp_path,
    )  # fmt: skip

    assert ran.returncode == 0, ran.stderr
    assert f"Warning: the tests never ran: {why}" in ran.stderr
    assert f"run_tests succeeded: tests not run: {why}" in ran.stderr
    assert "succeeded without running its tests." in ran.stdout
    shown = json.loads(
        autobyteus("show", "last", "--json", "-w", str(workspace), cwd=tmp_path).stdout
    )
    assert shown["status"] == "succeeded"
    assert (shown["tests_run"], shown["tests_not_run"]) == (False, why)
    text = autobyteus("show", "last", "-w", str(workspace), cwd=tmp_path).stdout
    assert f"Tests:       not run: {why}" in text
