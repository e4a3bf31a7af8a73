"""The whole default workflow, end to end, with the default local model on the bundled example,
run the way ``make demo`` runs it (``examples/run_demo.py``).

Slow (minutes on a CPU): it generates real code. Quality is not asserted here
(docs/installing.md reports how often the generated code passes its own tests); what is asserted
is that the run reaches a final status with its state and transcript on disk, prints the demo's
report without a traceback, and writes nothing outside its workspace. Fix rounds are turned off to
bound the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("llama_cpp")
pytest.importorskip("autobyteus_coding_steps")
pytest.importorskip("autobyteus_llamacpp")

from autobyteus_llamacpp.catalog import DEFAULT_MODEL

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO = REPO_ROOT / "examples" / "run_demo.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DEFAULT_MODEL.installed(), reason="the default model is not installed"),
    pytest.mark.skipif(not DEMO.is_file(), reason="examples/run_demo.py is not in this checkout"),
]


def test_the_demo_runs_the_default_workflow_offline_to_a_final_status(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    workspace = outside / "workspace"
    outside.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "AUTOBYTEUS_OPENAI__", "AUTOBYTEUS_CODING_STEPS__"))
    }
    env["AUTOBYTEUS_CODING_STEPS__FIX_ROUNDS"] = "0"
    demo = subprocess.run(
        [sys.executable, str(DEMO), "--workspace", str(workspace)],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,  # a guard against a hang, far above the expected minutes
        check=False,
    )
    output = demo.stdout + demo.stderr
    assert "Traceback" not in output, output[-4000:]
    assert demo.returncode in (0, 1), output[-4000:]  # succeeded or failed, not stopped

    runs = workspace / ".autobyteus" / "runs"
    (run_dir,) = runs.iterdir()
    state = json.loads((run_dir / "state.json").read_text(encoding="utf-8"))
    assert state["status"] in ("succeeded", "failed")
    assert state["model_id"] == "llamacpp:qwen2.5-coder-1.5b"
    # The module is written by the model; the plan (one file) and the tests (the requirement's
    # own examples) need no call.
    assert state["usage"]["calls"] >= 1
    transcript = [
        json.loads(line)
        for line in (run_dir / "transcript.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert any(entry.get("type") == "llm_call" for entry in transcript)

    # The demo's report.
    for section in ("Files written in", "Plan", "Test results", "Steps", "Usage", "Status"):
        assert f"== {section}" in demo.stdout, demo.stdout[-4000:]
    assert f"run {state['run_id']}: {state['status']}" in demo.stdout

    # Nothing outside the workspace; every written file inside it, none in its control folder.
    assert [p.name for p in outside.iterdir()] == ["workspace"]
    for written in state["files"]:
        target = (workspace / written["path"]).resolve()
        assert target.is_relative_to(workspace.resolve())
        assert ".autobyteus" not in target.relative_to(workspace.resolve()).parts
