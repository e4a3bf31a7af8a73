"""The seed's task 10: the whole default workflow, end to end.

The ``automated_coding`` workflow (requirement → architecture design → implementation → test
generation → run tests) runs through the real engine with the ``autobyteus-coding-steps`` plugin
and the testing kit's scripted LLM giving realistic replies. It builds a small Python package in
a temporary workspace, and its generated tests really pass under pytest in a subprocess. In the
second scenario the first code fails its tests and a fix round makes them pass; in the third the
run breaks half-way through the implementation and a resume re-asks nothing it already had; in
the fourth the saved state lags behind the transcript and the workspace (as after a kill -9), and
the resume still pays for nothing twice.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("autobyteus_coding_steps", reason="the autobyteus-coding-steps plugin")

from autobyteus_coding_steps import CodingPlan, CodingTests

from autobyteus_core.app import Application
from autobyteus_core.cli import cli
from autobyteus_core.llm.errors import LLMProviderUnavailableError
from autobyteus_core.sandbox import bwrap
from autobyteus_core.settings import AutobyteusSettings
from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.automated_coding_workflow import AutomatedCodingWorkflow
from autobyteus_core.workflow.events import EventType, WorkflowEvent
from autobyteus_core.workflow.run_record import RunState
from autobyteus_core.workflow.workflow import Workflow
from autobyteus_core.workflow.workflow_status import WorkflowStatus

REQUIREMENT = (
    "Create a Python package `wordfreq`: `count_words(text)` in `wordfreq/counter.py` returns how "
    "often each lower-cased word occurs, and `top_words(text, n)` in `wordfreq/top.py` returns "
    "the n most frequent (word, count) pairs, most frequent first, ties in alphabetical order."
)

DOCUMENT = """\
## Background
A small library that counts words.

## Functional requirements
1. `count_words(text)` returns a dict of lower-cased word counts.
2. `top_words(text, n)` returns the n most frequent `(word, count)` pairs.

## Constraints
- Python 3, standard library only; package `wordfreq`.

## Acceptance criteria
1. `count_words("A a b")` is `{"a": 2, "b": 1}`.
2. `top_words("b a b", 1)` is `[("b", 2)]`.
"""

PLAN = """\
Here is the plan for the [Documentation].

#### Task 1: Implement the `count_words` Function
#task start#
- **Objective**: Count how often each lower-cased word occurs.
- **File Specification**: `wordfreq/counter.py`
- **Functionality Details**: `count_words(text: str) -> dict[str, int]`.
- **Integration Points**: None.
#task end#

#### Task 2: Implement the `top_words` Function
#task start#
- **Objective**: Return the most frequent words.
- **File Specification**: `wordfreq/top.py`
- **Functionality Details**: `top_words(text: str, n: int) -> list[tuple[str, int]]`, most
  frequent first, ties in alphabetical order.
- **Integration Points**: Uses `count_words` from `wordfreq/counter.py` (Task 1).
#task end#
"""

COUNTER = '''\
"""Counting words."""

import re


def count_words(text: str) -> dict[str, int]:
    """How often each lower-cased word occurs in ``text``."""
    counts: dict[str, int] = {}
    for word in re.findall(r"[a-z']+", text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts
'''

BUGGY_COUNTER = COUNTER.replace("text.lower()", "text")

TOP = '''\
"""The most frequent words."""

from wordfreq.counter import count_words


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """The ``n`` most frequent words, most frequent first, ties in alphabetical order."""
    return sorted(count_words(text).items(), key=lambda item: (-item[1], item[0]))[:n]
'''

COUNTER_TESTS = """\
from wordfreq.counter import count_words


def test_counts_lower_cased_words() -> None:
    assert count_words("A a b") == {"a": 2, "b": 1}


def test_empty_text_has_no_words() -> None:
    assert count_words("") == {}
"""

TOP_TESTS = """\
from wordfreq.top import top_words


def test_most_frequent_first_then_alphabetical() -> None:
    assert top_words("b a b c a", 2) == [("a", 2), ("b", 2)]
    assert top_words("b a b", 1) == [("b", 2)]
"""


def fenced(content: str) -> str:
    return f"Here is the whole file:\n\n```python\n{content}```\n\nIt does what the task asks."


def scripted_project(counter: str = COUNTER) -> ScriptedLLM:
    """A scripted LLM answering every prompt of the default workflow for the wordfreq package."""
    return (
        ScriptedLLM()
        .on(r"Rewrite the requirement below", f"```markdown\n{DOCUMENT}```")
        .on(r"\[SubtaskExample\]", PLAN)
        .on(r"Write the file `wordfreq/counter.py`", fenced(counter))
        .on(r"Write the file `wordfreq/top.py`", fenced(TOP))
        .on(r"Write the test file `tests/test_counter.py`", fenced(COUNTER_TESTS))
        .on(r"Write the test file `tests/test_top.py`", fenced(TOP_TESTS))
    )


@pytest.fixture
def app(autobyteus_app: Application, register_plugin: Any) -> Application:
    """An isolated application with the coding-steps plugin registered."""
    import autobyteus_coding_steps.plugin

    register_plugin(autobyteus_coding_steps.plugin, "coding_steps")
    return autobyteus_app


def make_workflow(app: Application, workspace: Path, llm: ScriptedLLM, **kwargs: Any) -> Workflow:
    settings = AutobyteusSettings.load(workspace, max_concurrency=2)
    return AutomatedCodingWorkflow(
        app=app, workspace=workspace, settings=settings, model=llm, **kwargs
    )


def run_pytest(workspace: Path) -> subprocess.CompletedProcess[str]:
    """The generated tests, run by a pytest of our own (not the step's)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::DeprecationWarning",
        ],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def test_the_default_workflow_builds_a_package_whose_tests_pass(
    app: Application, workspace: Path
) -> None:
    llm = scripted_project()
    events: list[WorkflowEvent] = []
    workflow = make_workflow(app, workspace, llm, listeners=[events.append])

    run = await workflow.start(requirement=REQUIREMENT)

    assert run.status is WorkflowStatus.SUCCEEDED, run.error
    assert list(run.steps) == [
        "requirement",
        "architecture_design",
        "implementation",
        "test_generation",
        "run_tests",
    ]
    state = workflow.state
    assert state.output(CodingPlan).requirement_document is not None
    assert REQUIREMENT in state.output(CodingPlan).requirement_document
    assert [(t.number, t.files, t.depends_on) for t in state.output(CodingPlan).subtasks] == [
        (1, ["wordfreq/counter.py"], []),
        (2, ["wordfreq/top.py"], [1]),
    ]
    assert (workspace / "wordfreq/counter.py").read_text() == COUNTER
    assert (workspace / "wordfreq/top.py").read_text() == TOP
    assert (workspace / "wordfreq/__init__.py").read_text() == ""
    assert sorted(state.output(CodingTests).test_files) == [
        "tests/test_counter.py",
        "tests/test_top.py",
    ]
    assert [r["passed"] for r in state.output(CodingTests).test_results] == [True]
    assert run.steps["run_tests"].summary == "tests pass on the first run (3 passed)"
    # every call was keyed, so a resume would find each again
    assert sorted(e.key for e in run.exchanges) == [
        "document/attempt-1",
        "plan/attempt-1",
        "task-1/wordfreq/counter.py/attempt-1",
        "task-2/wordfreq/top.py/attempt-1",
        "tests/test_counter.py/attempt-1",
        "tests/test_top.py/attempt-1",
    ]
    subtask_events = [e.data["subtask"] for e in events if e.type is EventType.SUBTASK_FINISHED]
    assert subtask_events[:2] == ["task-1", "task-2"]
    # nothing outside the project's own files, and the run store in its control folder
    written = sorted(
        p.relative_to(workspace).as_posix() for p in workspace.rglob("*") if p.is_file()
    )
    assert [p for p in written if not p.startswith(".autobyteus/")] == [
        "tests/test_counter.py",
        "tests/test_top.py",
        "wordfreq/__init__.py",
        "wordfreq/counter.py",
        "wordfreq/top.py",
    ]
    # the generated tests pass under an independent pytest run
    result = run_pytest(workspace)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    # the plan is part of the saved run, and `autobyteus show` prints it
    saved = json.loads((workflow.run_dir / "state.json").read_text(encoding="utf-8"))
    assert saved["steps"]["architecture_design"]["output"]["subtasks"][1]["depends_on"] == [1]
    # the transcript says which sandbox each execution of generated code had
    lines = (workflow.run_dir / "transcript.jsonl").read_text(encoding="utf-8").splitlines()
    executions = [e for e in map(json.loads, lines) if e["type"] == "execution"]
    sandbox = "bwrap" if bwrap.probe().works else "none"
    assert [(e["purpose"], e["sandbox"], e["network"]) for e in executions] == [
        ("import_check", sandbox, False),
        ("tests", sandbox, False),
    ]
    shown = CliRunner().invoke(
        cli, ["show", run.run_id, "--workspace", str(workspace)], obj={"app": app}
    )
    assert shown.exit_code == 0, shown.output
    plan = shown.output.split("\nplan\n", 1)[1].split("\nfiles\n", 1)[0]
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in plan.splitlines()]
    assert [row for row in rows if row] == [
        ["1", "Implement the `count_words` Function", "wordfreq/counter.py", ""],
        ["2", "Implement the `top_words` Function", "wordfreq/top.py", "1"],
    ]


async def test_a_failing_first_version_is_fixed_in_a_fix_round(
    app: Application, workspace: Path
) -> None:
    llm = scripted_project(counter=BUGGY_COUNTER)
    # The failed comparison is put to the code-or-test question first: the test is right.
    llm.on(r"give your verdict on a line of its own", "Words are lower-cased.\nTEST")
    llm.on(r"The file to fix, `wordfreq/counter.py`", fenced(COUNTER))
    llm.on(
        r"The file to fix, `(tests/test_counter.py|tests/test_top.py|wordfreq/top.py)`", "NO CHANGE"
    )
    workflow = make_workflow(app, workspace, llm)

    run = await workflow.start(requirement=REQUIREMENT)

    assert run.status is WorkflowStatus.SUCCEEDED, run.error
    first, second = workflow.state.output(CodingTests).test_results
    assert not first["passed"] and first["phase"] == "tests"
    assert "test_counts_lower_cased_words" in first["output"]
    assert first["fixed_files"] == ["wordfreq/counter.py"]
    assert second["passed"]
    assert run.steps["run_tests"].summary == "tests pass after 1 fix round(s) (3 passed)"
    fix_prompts = [
        c.prompt for c in llm.calls if "The file to fix, `wordfreq/counter.py`" in c.prompt
    ]
    assert len(fix_prompts) == 1
    assert "assert {'A': 1, 'a': 1, 'b': 1} == {'a': 2, 'b': 1}" in fix_prompts[0] or (
        "AssertionError" in fix_prompts[0]
    )
    assert (workspace / "wordfreq/counter.py").read_text() == COUNTER
    assert run_pytest(workspace).returncode == 0
    assert any(e.key.startswith("fix-round-1/wordfreq/counter.py/") for e in run.exchanges)


async def run_broken_at_top(app: Application, workspace: Path) -> Workflow:
    """A run whose server goes away when `wordfreq/top.py` is asked for (after counter.py)."""
    broken = scripted_project()
    broken._rules = [r for r in broken._rules if "top.py" not in r.pattern.pattern]
    broken.on(r"Write the file `wordfreq/top.py`", LLMProviderUnavailableError("server went away"))
    workflow = make_workflow(app, workspace, broken)
    run = await workflow.start(requirement=REQUIREMENT)
    assert run.status is WorkflowStatus.FAILED
    assert run.steps["implementation"].status is WorkflowStatus.FAILED
    assert "server went away" in (run.steps["implementation"].error or "")
    return workflow


async def resume_with_a_working_server(
    app: Application, workspace: Path, run_id: str
) -> tuple[RunState, ScriptedLLM]:
    """Resume ``run_id`` with a scripted LLM that answers everything; the run and that LLM."""
    again = scripted_project()
    resumed = Workflow.load(run_id, workspace=workspace, app=app, model=again)
    return await resumed.start(), again


def asked_only_for_top(finished: RunState, again: ScriptedLLM, workspace: Path) -> list[str]:
    """Check that a resumed run succeeded, asked for `top.py` but not again for `counter.py`,
    and left passing tests; the prompts it asked."""
    assert finished.status is WorkflowStatus.SUCCEEDED, finished.error
    asked = [c.prompt for c in again.calls]
    assert not any("Write the file `wordfreq/counter.py`" in p for p in asked)
    assert any("Write the file `wordfreq/top.py`" in p for p in asked)
    assert run_pytest(workspace).returncode == 0
    return asked


async def test_a_resumed_run_does_not_ask_again_for_finished_subtasks(
    app: Application, workspace: Path
) -> None:
    workflow = await run_broken_at_top(app, workspace)

    finished, again = await resume_with_a_working_server(app, workspace, workflow.run_id)

    asked = asked_only_for_top(finished, again, workspace)
    assert not any("[SubtaskExample]" in p for p in asked)


async def test_a_run_killed_before_saving_a_finished_subtask_does_not_pay_for_it_again(
    app: Application, workspace: Path
) -> None:
    workflow = await run_broken_at_top(app, workspace)
    # As after a kill -9 between writing counter.py and saving that its subtask finished: the
    # transcript has the reply and the file is on disk, but state.json does not say so.
    state_file = workflow.run_dir / "state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state["state"]["data"]["autobyteus_coding_steps"].pop("implementation")
    state_file.write_text(json.dumps(state), encoding="utf-8")

    finished, again = await resume_with_a_working_server(app, workspace, workflow.run_id)

    asked = asked_only_for_top(finished, again, workspace)
    assert not any("`wordfreq/counter.py` already exists" in p for p in asked)
    assert (workspace / "wordfreq/counter.py").read_text() == COUNTER
