"""CONTRIBUTING.md's table of event types names every ``EventType`` exactly, and events carry
the workspace root and run folder it promises."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from autobyteus_core import EventType, Workflow, hookimpl

REPO = Path(__file__).resolve().parents[3]


def documented_event_types() -> list[str]:
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    table = text.split("<!-- table: event types -->", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", table, re.M)


def test_the_event_table_lists_every_event_type_by_its_exact_string() -> None:
    assert documented_event_types() == [t.value for t in EventType]


async def test_an_observer_learns_the_workspace_and_the_run_folder(
    autobyteus_app: Any, register_plugin: Any, scripted_llm: Any, workspace: Path
) -> None:
    from wf_steps import StepsPlugin

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
