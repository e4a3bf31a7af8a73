"""Steps check the run before it starts (``BaseStep.check_run``): a refusal ends the run before
its first LLM call and writes nothing; a step that already succeeded is not asked again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.errors import StepFailedError, WorkflowError
from autobyteus_core.workflow.workflow import Workflow
from autobyteus_core.workflow.workflow_status import WorkflowStatus

#: A step that pays for an LLM call, then a nested step that may refuse the run.
STEPS = {"ask": ("ask", {}), "build": ("group", {}, {"inner": "picky"})}


async def test_a_step_that_refuses_the_run_stops_it_before_any_llm_call(
    make_workflow: Any, workspace: Path
) -> None:
    (workspace / "refuse").touch()
    llm = ScriptedLLM().on("question", "an answer")
    workflow = make_workflow(STEPS, llm)

    with pytest.raises(StepFailedError) as caught:
        await workflow.start(requirement="a todo app")

    assert str(caught.value) == "picky cannot serve this workspace (build/inner)"
    assert llm.calls == []
    assert not (workspace / ".autobyteus").exists()


async def test_a_step_that_succeeded_is_not_asked_again_on_resume(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    llm = ScriptedLLM().on("question", "an answer")
    first = make_workflow({"picky": "picky", "ask": "ask"}, llm, pause_after=["picky"])
    paused = await first.start(requirement="a todo app")
    assert paused.status is WorkflowStatus.PAUSED
    (workspace / "refuse").touch()  # picky would refuse now, but it has done its part

    resumed = Workflow.load(first.run_id, workspace=workspace, app=app, model=llm)
    run = await resumed.start()

    assert run.status is WorkflowStatus.SUCCEEDED, run.error
    assert len(llm.calls) == 1


async def test_a_check_with_a_bug_names_its_step(make_workflow: Any) -> None:
    llm = ScriptedLLM()
    workflow = make_workflow({"build": ("group", {}, {"inner": ("picky", {"crash": True})})}, llm)

    with pytest.raises(WorkflowError) as caught:
        await workflow.start(requirement="a todo app")

    assert str(caught.value) == (
        "step 'build/inner' (picky) could not check the run: ValueError: bug in the check"
    )
    assert llm.calls == []
