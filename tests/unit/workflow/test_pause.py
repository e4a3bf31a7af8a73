"""Pausing a run after a step (``pause_after``) and editing a step's editable output."""

from __future__ import annotations

import json
from typing import Any

import pytest

from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.errors import OutputEditError, UnknownStepError, WorkflowError
from autobyteus_core.workflow.loading import loads_workflow
from autobyteus_core.workflow.workflow import Workflow
from autobyteus_core.workflow.workflow_status import WorkflowStatus

PAUSED = WorkflowStatus.PAUSED
SUCCEEDED = WorkflowStatus.SUCCEEDED


def _saved(workflow: Workflow) -> dict[str, Any]:
    return json.loads((workflow.run_dir / "state.json").read_text(encoding="utf-8"))


async def test_a_run_pauses_after_the_step_and_start_goes_on(make_workflow: Any) -> None:
    workflow = make_workflow({"first": "note", "second": "note"}, pause_after=["first"])

    run = await workflow.start(requirement="r")

    assert run.status is PAUSED and run.stop_reason == "pause"
    assert run.paused_after == "first"
    assert run.error == "paused after step 'first'"
    assert workflow.state.data["order"] == ["first"]
    assert run.steps["second"].status is WorkflowStatus.PENDING
    assert _saved(workflow)["status"] == "paused"

    loaded = Workflow.load(
        run.run_id, workspace=workflow.workspace_root, app=workflow.app, model=ScriptedLLM()
    )
    again = await loaded.start()
    assert again.status is SUCCEEDED and again.paused_after is None
    assert loaded.state.data["order"] == ["first", "second"]  # "first" did not run again


async def test_a_nested_step_pauses_the_run_and_its_parent_continues_on_resume(
    make_workflow: Any,
) -> None:
    steps = {"build": ("group", {}, {"backend": "note", "frontend": "note"}), "last": "note"}
    workflow = make_workflow(steps, pause_after=["build/backend"])

    run = await workflow.start(requirement="r")

    assert run.status is PAUSED and run.paused_after == "build/backend"
    assert workflow.state.data["order"] == ["build:begin", "build/backend"]
    assert run.steps["build"].status is WorkflowStatus.PENDING
    assert run.steps["build/backend"].status is SUCCEEDED

    run = await workflow.start()
    assert run.status is SUCCEEDED
    assert workflow.state.data["order"][2:] == [
        "build:begin",
        "build/frontend",
        "build:end",
        "last",
    ]


async def test_pausing_after_the_last_step_just_succeeds(make_workflow: Any) -> None:
    run = await make_workflow({"only": "note"}, pause_after=["only"]).start(requirement="r")
    assert run.status is SUCCEEDED


def test_an_unknown_step_to_pause_after_is_a_clear_error(make_workflow: Any) -> None:
    with pytest.raises(UnknownStepError, match=r"cannot pause after 'nope'.*first, second"):
        make_workflow({"first": "note", "second": "note"}, pause_after=["nope"])


async def test_a_workflow_file_step_can_pause_after_itself(app: Any, workspace: Any) -> None:
    definition = loads_workflow(
        'name = "paused"\n[steps.first]\nstep = "note"\npause_after = true\n\n[steps.second]\nstep = "note"\n'
    )
    assert definition.steps["first"].pause_after
    workflow = Workflow(definition, app=app, workspace=workspace, model=ScriptedLLM())

    run = await workflow.start(requirement="r")

    assert run.status is PAUSED and run.paused_after == "first"
    assert (await workflow.start()).status is SUCCEEDED


async def test_an_editable_output_is_kept_edited_and_refused_once_a_later_step_ran(
    make_workflow: Any,
) -> None:
    workflow = make_workflow({"outline": "outline", "after": "note"}, pause_after=["outline"])
    document = workflow.document_path("outline")

    with pytest.raises(WorkflowError, match="has not succeeded: there is no outline to edit"):
        workflow.edit_output("outline", "x\n")
    run = await workflow.start(requirement="r")
    assert run.status is PAUSED
    assert document.read_text() == "one\ntwo\n"
    assert "its outline is in" in (run.error or "")

    with pytest.raises(OutputEditError, match="item 2 is bad"):
        workflow.edit_output("outline", "fine\nbad\n")
    assert document.read_text() == "one\ntwo\n"
    assert workflow.state.data["outline"] == ["one", "two"]

    result = workflow.edit_output("outline", "  three \n\nfour\n")
    assert result.summary == "outlined (edited)"
    assert document.read_text() == "three\nfour\n"
    saved = _saved(workflow)
    assert saved["steps"]["outline"]["output"] == {"items": ["three", "four"]}
    assert saved["state"]["data"]["outline"] == ["three", "four"]
    transcript = [
        json.loads(line)
        for line in (workflow.run_dir / "transcript.jsonl").read_text().splitlines()
    ]
    edit = next(e for e in transcript if e["type"] == "output_edited")
    assert edit["previous_output"] == {"items": ["one", "two"]}
    assert edit["previous_document"] == "one\ntwo\n"
    assert edit["text"] == "  three \n\nfour\n"

    run = await workflow.start()
    assert run.status is SUCCEEDED
    with pytest.raises(WorkflowError, match=r"already started on its outline \(step 'after' ran\)"):
        workflow.edit_output("outline", "five\n")
    assert document.read_text() == "three\nfour\n"
