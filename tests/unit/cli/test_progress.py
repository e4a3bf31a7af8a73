"""The CLI's progress display: plain lines off a terminal, a live table on one, and the
summary table."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from autobyteus_core.cli.progress import ProgressDisplay, print_summary
from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.events import EventType, WorkflowEvent


def _event(kind: EventType, step: str | None = None, **data: Any) -> WorkflowEvent:
    return WorkflowEvent(type=kind, run_id="r1", step_id=step, data=data)


EVENTS = [
    _event(EventType.WORKFLOW_STARTED, resumed=False),
    _event(EventType.STEP_STARTED, "impl"),
    _event(EventType.SUBTASK_STARTED, "impl", subtask="task-1", title="Parser"),
    _event(EventType.SUBTASK_STARTED, "impl", subtask="task-2", title="Evaluator"),
    _event(EventType.LLM_CALL_FINISHED, "impl", replayed=True),
    _event(EventType.SUBTASK_FINISHED, "impl", subtask="task-1", status="succeeded"),
    _event(EventType.SUBTASK_FINISHED, "impl", subtask="task-2", error="did not parse"),
    _event(EventType.BUDGET_EXCEEDED, "impl", reason="over 10 tokens"),
    _event(
        EventType.STEP_FAILED, "impl", status="cancelled", error="budget reached", wall_time_s=2.5
    ),
]


def test_plain_lines_off_a_terminal() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(
        [("impl", "implementation"), ("tests", "test_generation")], stream=stream
    )
    with display:
        for event in EVENTS:
            display.handle(event)
    assert stream.getvalue().splitlines() == [
        "run r1: starting",
        "> impl started",
        "    ✓ task-1 Parser",
        "    ✗ task-2 Evaluator (failed)",
        "! budget reached: over 10 tokens",
        "✗ impl cancelled: budget reached",
    ]
    assert display.calls == 1 and display.replayed == 1


def test_the_live_table_shows_steps_and_running_subtasks() -> None:
    display = ProgressDisplay(
        [("impl", "implementation"), ("tests", "test_generation")], live=False
    )
    for event in EVENTS[:4]:
        display.handle(event)
    console = Console(file=io.StringIO(), width=100)
    console.print(display._render())
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "impl" in text and "tests" in text and "0/2" in text
    assert "task-1 Parser" in text and "task-2 Evaluator" in text
    assert "LLM calls: 0 (0 replayed)" in text


async def test_the_summary_table_has_a_row_per_step(make_workflow: Any) -> None:
    workflow = make_workflow(
        {"a": ("ask", {"calls": 2}), "g": ("group", {}, {"w": ("write", {"path": "f.txt"})})},
        ScriptedLLM(cost_per_token=0.001).on("question", "three word reply"),
    )
    run = await workflow.start(requirement="r")
    console = Console(file=io.StringIO(), width=120)
    print_summary(run, console)
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    header = next(line for line in lines if "wall time" in line)
    for column in ("step", "status", "files", "tokens", "cost"):
        assert column in header
    row = next(line for line in lines if line.startswith("│ a "))
    assert "succeeded" in row and "16" in row and "$0.0160" in row
    assert any(line.startswith("│   g/w ") and " 1 " in line for line in lines)
    total = next(line for line in lines if line.startswith("│ total"))
    assert "succeeded" in total and "16" in total
