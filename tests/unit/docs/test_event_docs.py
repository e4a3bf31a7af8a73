"""CONTRIBUTING.md's table of event types names every ``EventType`` exactly, and events carry
the workspace root and run folder it promises."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from autobyteus_core import EventType, Workflow, hookimpl
from tests import REPO


def event_table() -> dict[str, str]:
    """Event type → the table's ``event.data`` cell."""
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    table = text.split("<!-- table: event types -->", 1)[1].split("\n\n", 1)[0]
    return dict(re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| (.+) \|$", table, re.M))


def documented_event_types() -> list[str]:
    return list(event_table())


def test_the_event_table_lists_every_event_type_by_its_exact_string() -> None:
    assert documented_event_types() == [t.value for t in EventType]


async def test_an_observer_learns_the_workspace_and_the_run_folder(
    autobyteus_app: Any, register_plugin: Any, scripted_llm: Any, workspace: Path
) -> None:
    from tests.unit.workflow.wf_steps import StepsPlugin

    seen: list[Any] = []

    class Observer:
        @hookimpl
        def workflow_event(self, event):  # type: ignore[no-untyped-def]
            seen.append(event)

    register_plugin(StepsPlugin(), "test_steps")
    register_plugin(Observer(), "observer")
    scripted_llm.queue("an answer of five words")
    workflow = Workflow.from_steps(
        ["ask"], app=autobyteus_app, workspace=workspace, model=scripted_llm
    )
    run = await workflow.start(requirement="anything")
    assert run.status == "succeeded"
    run_dir = workspace / ".autobyteus" / "runs" / run.run_id
    assert run_dir.is_dir()
    assert {(e.workspace, e.run_dir) for e in seen} == {(str(workspace), str(run_dir))}
    finished = [e for e in seen if e.type == "workflow_finished"]
    assert [e.data["status"] for e in finished] == ["succeeded"]


async def test_the_table_names_the_data_of_every_event_the_engine_sends(
    autobyteus_app: Any, register_plugin: Any, workspace: Path
) -> None:
    from autobyteus_core.testing import ScriptedLLM
    from tests.unit.workflow.wf_steps import StepsPlugin

    register_plugin(StepsPlugin(), "test_steps")
    seen: list[Any] = []

    async def run(steps: dict[str, Any], *replies: Any, **kwargs: Any) -> None:
        workflow = Workflow.from_steps(
            steps, app=autobyteus_app, workspace=workspace, model=ScriptedLLM().queue(*replies),
            listeners=[seen.append], **kwargs,
        )  # fmt: skip
        if "write" in steps:
            workflow.step_at("write").options["path"] = "notes.txt"
        await workflow.start(requirement="anything")

    await run({"ask": "ask", "write": "write", "boom": "boom"}, "an answer")  # boom fails
    await run({"one": "ask", "two": "ask"}, "one", "two", pause_after=["one"])  # paused
    await run({"ask": "ask"}, "never sent", budget_tokens=1)  # refused by the budget
    await run({"ask": "ask"}, RuntimeError("the server went away"))  # the call fails
    table = event_table()
    sent = {(event.type.value, key) for event in seen for key in event.data}
    assert {kind for kind, _key in sent} == {t.value for t in EventType} - {
        "subtask_started", "subtask_finished", "message",  # what steps send, not the engine
    }  # fmt: skip
    for kind, key in sorted(sent):
        row = table[kind] if kind != "step_failed" else table["step_finished"]
        assert f"`{key}`" in row, (kind, key)
    statuses = {e.data["status"] for e in seen if e.type == "workflow_finished"}
    assert statuses == {"failed", "paused", "cancelled"}
    for status in statuses:
        assert f"`{status}`" in table["workflow_finished"], status
