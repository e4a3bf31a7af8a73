"""Runs stored before plugin API 1.5, when ``state.json`` kept the coding steps' fields at the top
of ``state``: real run folders written by that version (``data/runs_before_1_5``: one paused
after its plan, one finished) still show as they did and resume on their plan.

The model is the testing kit's scripted provider, logging every call it serves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_automated_coding_workflow import COUNTER, TOP, fenced

pytest.importorskip("autobyteus_coding_steps", reason="the autobyteus-coding-steps plugin")

from autobyteus_coding_steps import CodingPlan, CodingTests

from autobyteus_core.workflow.run_journal import RunStore

DATA = Path(__file__).resolve().parent / "data" / "runs_before_1_5"
FORMER = {"requirement_document", "design_document", "subtasks", "test_files", "test_results"}
PLAN = [(1, ["wordfreq/counter.py"], []), (2, ["wordfreq/top.py"], [1])]


def stored_run(name: str, tmp_path: Path) -> tuple[Path, str]:
    """A workspace holding a copy of the stored run ``name``, and the run's id."""
    workspace = tmp_path / "ws"
    shutil.copytree(DATA / name, workspace / ".autobyteus")
    (run_dir,) = (workspace / ".autobyteus" / "runs").iterdir()
    saved = json.loads((run_dir / "state.json").read_text(encoding="utf-8"))
    assert "subtasks" in saved["state"] and "outputs" not in saved["state"]  # the old shape
    return workspace, run_dir.name


def autobyteus(workspace: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "AUTOBYTEUS_LOAD_PLUGINS": "autobyteus-coding-steps",
        "AUTOBYTEUS_STRICT_PLUGINS": "1",
        "AUTOBYTEUS_LOG_LEVEL": "WARNING",
        **env,
    }
    environment.pop("AUTOBYTEUS_MODEL", None)
    return subprocess.run(
        [sys.executable, "-m", "autobyteus_core.cli", *args, "--workspace", str(workspace)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def plan_of(tasks: list[dict[str, Any]]) -> list[tuple[int, list[str], list[int]]]:
    return [(t["number"], t["files"], t["depends_on"]) for t in tasks]


def test_a_finished_run_shows_its_plan_and_tests_as_before(tmp_path: Path) -> None:
    workspace, run_id = stored_run("finished", tmp_path)

    shown = autobyteus(workspace, "show", run_id, "--json")
    assert shown.returncode == 0, shown.stderr
    details = json.loads(shown.stdout)
    assert details["status"] == "succeeded"
    assert (details["tests_run"], details["tests_not_run"], details["regressions"]) == (
        True,
        None,
        [],
    )
    assert plan_of(details["subtasks"]) == PLAN
    assert plan_of(details["state"]["outputs"]["coding_plan"]["subtasks"]) == PLAN
    assert details["state"]["tests"]["passed"] is True

    (listed,) = json.loads(autobyteus(workspace, "runs", "--json").stdout)
    assert (listed["tests_run"], listed["tests_not_run"], listed["regressions"]) == (True, None, [])

    text = autobyteus(workspace, "show", run_id).stdout
    assert "plan" in text and "wordfreq/top.py" in text and "depends on" in text

    state = RunStore(workspace).load(run_id).state
    assert state.output(CodingTests).test_files == ["tests/test_counter.py", "tests/test_top.py"]
    assert [r["passed"] for r in state.output(CodingTests).test_results] == [True]
    assert "count_words" in (state.output(CodingPlan).requirement_document or "")
    assert state.former == {}


def test_a_run_paused_after_its_plan_resumes_on_that_plan(tmp_path: Path) -> None:
    workspace, run_id = stored_run("paused", tmp_path)
    replies = tmp_path / "replies.json"
    rules = [
        (r"Write the file `wordfreq/counter.py`", fenced(COUNTER)),
        (r"Write the file `wordfreq/top.py`", fenced(TOP)),
    ]
    replies.write_text(
        json.dumps({"rules": [{"match": m, "reply": r} for m, r in rules]}), encoding="utf-8"
    )
    log = tmp_path / "served.jsonl"

    resumed = autobyteus(
        workspace,
        "resume",
        run_id,
        "--model",
        f"scripted:{replies}",
        AUTOBYTEUS_SCRIPTED_LOG=str(log),
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"Run {run_id} succeeded." in resumed.stdout
    assert len(log.read_text(encoding="utf-8").splitlines()) == 2  # the two files, nothing more
    assert (workspace / "wordfreq/counter.py").read_text(encoding="utf-8") == COUNTER
    assert (workspace / "wordfreq/top.py").read_text(encoding="utf-8") == TOP

    saved = json.loads(
        (workspace / ".autobyteus" / "runs" / run_id / "state.json").read_text(encoding="utf-8")
    )
    assert not FORMER & set(saved["state"])
    assert saved["state"]["former"] == {}
    assert plan_of(saved["state"]["outputs"]["coding_plan"]["subtasks"]) == PLAN
