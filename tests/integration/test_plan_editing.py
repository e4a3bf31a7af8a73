"""Steering a run with real processes: ``autobyteus run --pause-after architecture_design``, the
plan edited with ``autobyteus plan`` (a copy, an editor, a refused edit), then ``autobyteus
resume``, which pays for no call twice and implements the edited plan; and ``run --interactive``
answered through a pseudo-terminal.

The model is the testing kit's scripted provider, which logs every call it serves to
``AUTOBYTEUS_SCRIPTED_LOG``; the steps are the installed ``autobyteus-coding-steps`` plugin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.integration.test_automated_coding_workflow import COUNTER, DOCUMENT, PLAN, TOP, fenced

pytest.importorskip("autobyteus_coding_steps", reason="the autobyteus-coding-steps plugin")

#: The requirement names no file, so the person may rename the planned ones.
REQUIREMENT = (
    "Create a Python package `wordfreq`: `count_words(text)` returns how often each lower-cased "
    "word occurs, and `top_words(text, n)` returns the n most frequent (word, count) pairs, most "
    "frequent first, ties in alphabetical order."
)

FLOW = """\
name = "plan-then-code"

[steps.requirement]
step = "requirement"

[steps.architecture_design]
step = "architecture_design"

[steps.implementation]
step = "implementation"
"""

CLI = '''\
"""Print the most frequent words of standard input."""

import sys

from wordfreq.ranking import top_words


def main() -> None:
    """Print the three most frequent words of standard input."""
    for word, count in top_words(sys.stdin.read(), 3):
        print(word, count)
'''

ADDED_TASK = """
#### Task 3: Implement the `main` Function
#task start#
- **Objective**: Print the most frequent words of standard input.
- **File Specification**: `wordfreq/cli.py`
- **Functionality Details**: `main() -> None` prints the three most frequent words.
- **Integration Points**: Uses `top_words` from `wordfreq/ranking.py` (Task 2).
#task end#
"""


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Any]:
    flow = tmp_path / "flow.toml"
    flow.write_text(FLOW, encoding="utf-8")
    replies = tmp_path / "replies.json"
    rules = [
        (r"Rewrite the requirement below", f"```markdown\n{DOCUMENT}```"),
        (r"\[SubtaskExample\]", PLAN),
        (r"Write the file `wordfreq/counter.py`", fenced(COUNTER)),
        (r"Write the file `wordfreq/top.py`", fenced(TOP)),
        (r"Write the file `wordfreq/ranking.py`", fenced(TOP)),
        (r"Write the file `wordfreq/cli.py`", fenced(CLI)),
    ]
    replies.write_text(
        json.dumps({"rules": [{"match": m, "reply": r} for m, r in rules]}), encoding="utf-8"
    )
    log = tmp_path / "served.jsonl"
    env = {
        **os.environ,
        "AUTOBYTEUS_LOAD_PLUGINS": "autobyteus-coding-steps",
        "AUTOBYTEUS_STRICT_PLUGINS": "1",
        "AUTOBYTEUS_SCRIPTED_LOG": str(log),
        "AUTOBYTEUS_LOG_LEVEL": "WARNING",
    }
    for name in ("AUTOBYTEUS_MODEL", "VISUAL", "EDITOR"):
        env.pop(name, None)
    workspace = tmp_path / "ws"
    return {"workspace": workspace, "flow": flow, "replies": replies, "log": log, "env": env}


def autobyteus(setup: dict[str, Any], *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "autobyteus_core.cli",
            *args,
            "--workspace",
            str(setup["workspace"]),
        ],
        env={**setup["env"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_args(setup: dict[str, Any], *extra: str) -> list[str]:
    return [
        "run",
        REQUIREMENT,
        "--model",
        f"scripted:{setup['replies']}",
        "--workflow",
        str(setup["flow"]),
        *extra,
    ]


def served(setup: dict[str, Any]) -> list[str]:
    text = setup["log"].read_text(encoding="utf-8") if setup["log"].exists() else ""
    return [json.loads(line)["prompt_sha256"] for line in text.splitlines()]


def editor(tmp_path: Path, old: str, new: str) -> str:
    """An $EDITOR command (a real program) replacing ``old`` by ``new`` in the file it opens."""
    script = tmp_path / f"editor-{len(list(tmp_path.glob('editor-*')))}.py"
    script.write_text(
        "import pathlib, sys\n"
        "path = pathlib.Path(sys.argv[1])\n"
        f"path.write_text(path.read_text().replace({old!r}, {new!r}))\n",
        encoding="utf-8",
    )
    return f"{sys.executable} {script}"


def only_run(setup: dict[str, Any]) -> Path:
    (run_dir,) = (setup["workspace"] / ".autobyteus" / "runs").iterdir()
    return run_dir


def check_resumed_on_the_edited_plan(setup: dict[str, Any], run_id: str, before: int) -> None:
    """Resume ``run_id``: it succeeds, asks only for the files of the edited plan, none twice."""
    resumed = autobyteus(setup, "resume", run_id)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    hashes = served(setup)
    assert len(hashes) == len(set(hashes)), "a call was served twice"
    assert len(hashes) == before + 3  # counter.py, ranking.py, cli.py; nothing asked again
    workspace = setup["workspace"]
    assert (workspace / "wordfreq/counter.py").read_text() == COUNTER
    assert (workspace / "wordfreq/ranking.py").read_text() == TOP
    assert (workspace / "wordfreq/cli.py").read_text() == CLI
    assert not (workspace / "wordfreq/top.py").exists()


def test_pause_edit_the_plan_from_a_file_and_resume_on_it(
    setup: dict[str, Any], tmp_path: Path
) -> None:
    paused = autobyteus(setup, *run_args(setup, "--pause-after", "architecture_design"))
    assert paused.returncode == 3, paused.stdout + paused.stderr
    run_dir = only_run(setup)
    run_id = run_dir.name
    assert f"Run {run_id} paused after step 'architecture_design'" in paused.stderr
    assert f"autobyteus plan {run_id} --edit" in paused.stderr
    assert f"continue with `autobyteus resume {run_id}`" in paused.stderr
    assert len(served(setup)) == 2  # the requirement and the plan

    shown = autobyteus(setup, "plan", run_id)
    assert shown.returncode == 0, shown.stderr
    plan = (run_dir / "plan.md").read_text(encoding="utf-8")
    assert shown.stdout == plan
    assert "#### Task 2: Implement the `top_words` Function\n#task start#" in plan
    assert "- **File Specification**: `wordfreq/top.py`" in plan

    unsafe = tmp_path / "unsafe.md"
    unsafe.write_text(plan.replace("wordfreq/top.py", "../x.py"), encoding="utf-8")
    state = (run_dir / "state.json").read_bytes()
    refused = autobyteus(setup, "plan", run_id, "--file", str(unsafe))
    assert refused.returncode == 1
    assert "the edited plan in" in refused.stderr and "task 2: " in refused.stderr
    assert "'../x.py'" in refused.stderr and "Traceback" not in refused.stderr
    assert (run_dir / "state.json").read_bytes() == state
    assert (run_dir / "plan.md").read_text(encoding="utf-8") == plan

    edited = tmp_path / "edited.md"
    edited.write_text(plan.replace("wordfreq/top.py", "wordfreq/ranking.py") + ADDED_TASK)
    stored = autobyteus(setup, "plan", run_id, "--file", str(edited))
    assert stored.returncode == 0, stored.stderr
    assert "3 subtasks planned (edited)" in stored.stdout
    saved = json.loads((run_dir / "state.json").read_text(encoding="utf-8"))
    output = saved["steps"]["architecture_design"]["output"]
    assert [task["files"] for task in output["subtasks"]] == [
        ["wordfreq/counter.py"],
        ["wordfreq/ranking.py"],
        ["wordfreq/cli.py"],
    ]
    assert output["subtasks"][2]["depends_on"] == [2]
    assert "- **File Specification**: `wordfreq/cli.py`" in (run_dir / "plan.md").read_text()
    transcript = [json.loads(line) for line in (run_dir / "transcript.jsonl").open()]
    (edit,) = [e for e in transcript if e["type"] == "output_edited"]
    assert edit["previous_document"] == plan and "wordfreq/cli.py" in edit["text"]
    assert [task["files"] for task in edit["previous_output"]["subtasks"]][1] == ["wordfreq/top.py"]
    assert any(e["type"] == "llm_call" and "#### Task 2" in e["reply"] for e in transcript)

    check_resumed_on_the_edited_plan(setup, run_id, before=2)

    late = autobyteus(setup, "plan", run_id, "--edit", EDITOR=editor(tmp_path, "a", "b"))
    assert late.returncode == 1
    assert f"run {run_id} has already started on its plan (step 'implementation' ran)" in (
        late.stderr
    )


def test_a_refused_edit_in_the_editor_is_kept_for_the_next_edit(
    setup: dict[str, Any], tmp_path: Path
) -> None:
    assert (
        autobyteus(setup, *run_args(setup, "--pause-after", "architecture_design")).returncode == 3
    )
    run_dir = only_run(setup)
    plan = (run_dir / "plan.md").read_text(encoding="utf-8")

    bad = autobyteus(
        setup, "plan", run_dir.name, "--edit", VISUAL=editor(tmp_path, "top.py", "../x.py")
    )
    assert bad.returncode == 1
    assert "task 2: '..' is not allowed" in bad.stderr and "plan.draft.md" in bad.stderr
    assert (run_dir / "plan.md").read_text(encoding="utf-8") == plan

    fixed = autobyteus(
        setup, "plan", run_dir.name, "--edit", VISUAL=editor(tmp_path, "../x.py", "ranking.py")
    )
    assert fixed.returncode == 0, fixed.stderr
    assert "Opening your earlier edit" in fixed.stderr
    assert not (run_dir / "plan.draft.md").exists()
    assert "`wordfreq/ranking.py`" in (run_dir / "plan.md").read_text(encoding="utf-8")


def test_interactive_run_on_a_terminal_edits_the_plan_then_implements_it(
    setup: dict[str, Any], tmp_path: Path
) -> None:
    env = {**setup["env"], "EDITOR": editor(tmp_path, "wordfreq/top.py", "wordfreq/ranking.py")}
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "autobyteus_core.cli",
            *run_args(setup, "--interactive"),
            "-w",
            str(setup["workspace"]),
        ],
        env=env,
        encoding="utf-8",
        timeout=120,
        dimensions=(40, 160),
    )
    child.expect_exact("#### Task 2: Implement the `top_words` Function")
    child.expect_exact("implement / edit / stop")
    assert len(served(setup)) == 2
    assert not (setup["workspace"] / "wordfreq").exists()
    child.sendline("edit")
    child.expect_exact("2 subtasks planned (edited)")
    child.expect_exact("`wordfreq/ranking.py`")
    child.expect_exact("implement / edit / stop")
    child.sendline("implement")
    child.expect_exact("succeeded.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    workspace = setup["workspace"]
    assert (workspace / "wordfreq/ranking.py").read_text() == TOP
    assert not (workspace / "wordfreq/top.py").exists()
    hashes = served(setup)
    assert len(hashes) == len(set(hashes)) == 4  # requirement, plan, counter.py, ranking.py
