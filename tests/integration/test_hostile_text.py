"""Model text through the real CLI: a key the model echoes back is masked wherever it is stored
or shown, and terminal control sequences in it never reach the output.

The scripted provider plays a model that echoes the user's ``OPENAI_API_KEY`` (known to the
process from its environment) and writes escape sequences (OSC 52 writes the clipboard, CSI 2J
clears the screen, 8-bit CSI) into its requirement document, its task title and its replies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("autobyteus_coding_steps", reason="the autobyteus-coding-steps plugin")

KEY = "sk-hostile-echo-7f3a91c2d4e5b6a8"
HOSTILE = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\r\x9b31m\x1b]8;;http://evil\x1b\\link"

PLAN = f"""#### Task 1: Write it {HOSTILE} {KEY}
#task start#
- **Objective**: Write the module.
- **File Specification**: `calc/a.py`
- **Functionality Details**: Anything.
- **Integration Points**: None.
#task end#
"""


def _autobyteus(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autobyteus_core.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_echoed_keys_are_masked_and_escape_sequences_never_printed(tmp_path: Path) -> None:
    replies = tmp_path / "replies.json"
    rules = [
        {"match": "Rewrite the requirement", "reply": f"```markdown\n## Background\nKey {KEY} {HOSTILE}\n```"},
        {"match": r"\[SubtaskExample\]", "reply": PLAN},
        {"match": ".", "reply": f"no code here, only {KEY} {HOSTILE}"},
    ]  # fmt: skip
    replies.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    served = tmp_path / "served.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOBYTEUS_", "OPENAI_"))}
    env.update(
        OPENAI_API_KEY=KEY,
        AUTOBYTEUS_LOAD_PLUGINS="autobyteus-coding-steps",
        AUTOBYTEUS_SCRIPTED_LOG=str(served),
        AUTOBYTEUS_LOG_FORMAT="console",
    )
    workspace = tmp_path / "ws"
    run = _autobyteus(
        "run", "a calculator", "--workspace", str(workspace), "--model", f"scripted:{replies}",
        env=env,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    run_dir = next((workspace / ".autobyteus" / "runs").iterdir())
    shown = _autobyteus("show", run_dir.name, "--workspace", str(workspace), env=env)
    shown_json = _autobyteus("show", "--json", run_dir.name, "--workspace", str(workspace), env=env)
    assert shown.returncode == shown_json.returncode == 0

    texts = {
        "run output": run.stdout + run.stderr,
        "show": shown.stdout + shown.stderr,
        "show --json": shown_json.stdout,
        "state.json": (run_dir / "state.json").read_text(encoding="utf-8"),
        "transcript.jsonl": (run_dir / "transcript.jsonl").read_text(encoding="utf-8"),
        "what the model was sent": served.read_text(encoding="utf-8"),
    }
    for where, text in texts.items():
        assert KEY not in text, where
        assert json.dumps(KEY)[1:-1] not in text, where
    assert "**********" in texts["state.json"]  # masked, not dropped
    for where in ("run output", "show"):
        text = texts[where]
        assert not any(c in text for c in "\x1b\x07\x9b\r"), (where, text)
    assert "Write it" in texts["show"]  # the title is shown, without its escapes
