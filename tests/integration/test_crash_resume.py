"""Crash and resume with real processes: ``autobyteus run`` killed with SIGKILL (or stopped
with Ctrl-C) mid-run, then ``autobyteus resume`` finishes it without asking the LLM again for
any call that had completed.

The steps come from a tiny plugin made discoverable the way every plugin is: a module and a
``.dist-info`` folder with an ``autobyteus`` entry point, on ``PYTHONPATH``. The LLM is the
testing kit's scripted provider, which logs every call it serves to ``AUTOBYTEUS_SCRIPTED_LOG``.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from autobyteus_core.testing import write_plugin_folder

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uses POSIX signals")

CALLS_PER_STEP = 3
STEPS = ("first", "second")

PLUGIN = '''
"""Steps for the crash test: each makes several keyed LLM calls and writes a file per call."""

from autobyteus_core import hookimpl
from autobyteus_core.llm.message import Message
from autobyteus_core.workflow.base_step import BaseStep
from autobyteus_core.workflow.step_context import StepResult
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition


class Chat(BaseStep):
    name = "chat"
    description = "several LLM calls in a row"

    async def execute(self, context):
        for i in range(1, int(self.options["calls"]) + 1):
            key = f"{context.step_id}-{i}"
            reply = await context.complete(
                [Message.user(f"call {key} for {context.requirement}")], key=key
            )
            context.write_file(f"out/{key}.txt", reply.text)
        return StepResult(summary="chatted")


@hookimpl
def register_steps(register):
    register(Chat)


@hookimpl
def register_workflows(register):
    register(
        WorkflowDefinition(
            name="crash",
            steps={
                step: StepsTemplateConfig(step="chat", options={"calls": CALLS})
                for step in STEPS
            },
        )
    )
'''


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Any]:
    source = PLUGIN.replace("CALLS", str(CALLS_PER_STEP)).replace("STEPS", repr(STEPS))
    plugin_dir = write_plugin_folder(tmp_path / "plugin", "crash_steps", source, dist="crash-steps")
    replies = tmp_path / "replies.json"
    rules = [
        {"match": f"call {step}-{i} ", "reply": f"reply to {step}-{i}"}
        for step in STEPS
        for i in range(1, CALLS_PER_STEP + 1)
    ]
    replies.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    log = tmp_path / "served.jsonl"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(plugin_dir), os.environ.get("PYTHONPATH")])
        ),
        "AUTOBYTEUS_LOAD_PLUGINS": "crash-steps",
        "AUTOBYTEUS_STRICT_PLUGINS": "1",
        "AUTOBYTEUS_SCRIPTED_LOG": str(log),
        "AUTOBYTEUS_SCRIPTED_DELAY": "0.4",
        "AUTOBYTEUS_LOG_FORMAT": "json",
    }
    env.pop("AUTOBYTEUS_MODEL", None)
    return {"workspace": tmp_path / "ws", "replies": replies, "log": log, "env": env}


def _autobyteus(*args: str) -> list[str]:
    return [sys.executable, "-m", "autobyteus_core.cli", *args]


def _start_run(setup: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _autobyteus(
            "run",
            "a crash-proof program",
            "--workspace",
            str(setup["workspace"]),
            "--model",
            f"scripted:{setup['replies']}",
            "--workflow",
            "crash",
        ),
        env=setup["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_dir(setup: dict[str, Any]) -> Path | None:
    runs = setup["workspace"] / ".autobyteus" / "runs"
    found = sorted(runs.iterdir()) if runs.is_dir() else []
    return found[0] if found else None


def _recorded_calls(run_dir: Path) -> list[dict[str, Any]]:
    transcript = run_dir / "transcript.jsonl"
    if not transcript.exists():
        return []
    entries = []
    for line in transcript.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    return [e for e in entries if e.get("type") == "llm_call"]


def _wait_for_calls(setup: dict[str, Any], process: subprocess.Popen[str], count: int) -> Path:
    """Wait until ``count`` calls are recorded (the process must still be running)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run_dir = _run_dir(setup)
        if run_dir is not None and len(_recorded_calls(run_dir)) >= count:
            return run_dir
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError(f"{count} calls were not recorded in time")


def _served(setup: dict[str, Any]) -> list[str]:
    """The prompt hashes of every call the scripted LLM served, in order, across processes."""
    text = setup["log"].read_text(encoding="utf-8") if setup["log"].exists() else ""
    return [json.loads(line)["prompt_sha256"] for line in text.splitlines()]


def _prompt_hash(call: dict[str, Any]) -> str:
    """The hash the scripted provider logs, computed from a recorded call's messages."""
    return hashlib.sha256(json.dumps(call["messages"]).encode()).hexdigest()


def _resume(setup: dict[str, Any], run_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _autobyteus("resume", run_id, "--workspace", str(setup["workspace"])),
        env=setup["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _check_resumed(setup: dict[str, Any], run_dir: Path, before: list[dict[str, Any]]) -> None:
    served_before = len(_served(setup))
    result = _resume(setup, run_dir.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Run {run_dir.name} succeeded." in result.stdout

    completed = {_prompt_hash(call) for call in before}
    served_after = _served(setup)[served_before:]
    assert not completed & set(served_after), "a completed call was served again"
    total = len(STEPS) * CALLS_PER_STEP
    assert len(set(_served(setup))) == total
    assert len(served_after) == total - len(before)  # nothing else was asked twice either

    state = json.loads((run_dir / "state.json").read_text(encoding="utf-8"))
    assert state["status"] == "succeeded"
    assert state["usage"]["calls"] == total
    out = setup["workspace"] / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{step}-{i}.txt" for step in STEPS for i in range(1, CALLS_PER_STEP + 1)
    )
    assert (out / "second-3.txt").read_text(encoding="utf-8") == "reply to second-3"


def test_a_killed_run_resumes_without_paying_twice(setup: dict[str, Any]) -> None:
    process = _start_run(setup)
    try:
        run_dir = _wait_for_calls(setup, process, 2)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    before = _recorded_calls(run_dir)
    assert 2 <= len(before) < len(STEPS) * CALLS_PER_STEP
    state = json.loads((run_dir / "state.json").read_text(encoding="utf-8"))
    assert state["status"] == "running"  # it never got to say otherwise

    listed = subprocess.run(
        _autobyteus("runs", "--json", "--workspace", str(setup["workspace"])),
        env=setup["env"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(listed.stdout)[0]["status"] == "interrupted"
    _check_resumed(setup, run_dir, before)


def test_ctrl_c_cancels_cleanly_and_the_run_resumes(setup: dict[str, Any]) -> None:
    process = _start_run(setup)
    try:
        run_dir = _wait_for_calls(setup, process, 1)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 3, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "Cancelling" in stderr and f"autobyteus resume {run_dir.name}" in stderr
    state = json.loads((run_dir / "state.json").read_text(encoding="utf-8"))
    assert state["status"] == "cancelled"
    before = _recorded_calls(run_dir)
    assert len(before) >= 1
    _check_resumed(setup, run_dir, before)
