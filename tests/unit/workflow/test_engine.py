"""The engine: step order, nested sub-steps, execute_step, failures, events, cancellation and
concurrency."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from autobyteus_core.llm.llm_integration import LLMIntegration
from autobyteus_core.llm.llm_response import LLMResponse
from autobyteus_core.llm.message import Message
from autobyteus_core.llm.usage import Usage
from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.errors import UnknownStepError, WorkflowError
from autobyteus_core.workflow.events import EventType, WorkflowEvent
from autobyteus_core.workflow.workflow_status import WorkflowStatus
from tests.unit.workflow.wf_steps import EventRecorder, RaisingObserver

SUCCEEDED = WorkflowStatus.SUCCEEDED


def _saved(workflow: Any) -> dict[str, Any]:
    return json.loads((workflow.run_dir / "state.json").read_text(encoding="utf-8"))


async def test_steps_run_in_order_and_sub_steps_keep_their_hierarchy(make_workflow: Any) -> None:
    llm = ScriptedLLM().on("question", "an answer")
    workflow = make_workflow(
        {
            "first": "note",
            "build": ("group", {}, {"backend": "note", "frontend": ("ask", {"calls": 1})}),
            "last": "note",
        },
        llm,
    )

    run = await workflow.start(requirement="a todo app")

    assert run.status is SUCCEEDED
    assert workflow.state.data["order"] == [
        "first",
        "build:begin",
        "build/backend",
        "build/frontend",
        "build:end",
        "last",
    ]
    assert list(run.steps) == ["first", "build", "build/backend", "build/frontend", "last"]
    assert all(r.status is SUCCEEDED for r in run.steps.values())
    assert run.steps["build"].output == {
        "sub_steps": {"backend": "succeeded", "frontend": "succeeded"}
    }
    # The nested step's call is recorded under its path; the parent's usage includes it.
    assert [e.step for e in run.exchanges] == ["build/frontend"]
    assert run.steps["build"].usage.calls == 1 == run.steps["build/frontend"].usage.calls
    assert _saved(workflow)["steps"]["build/frontend"]["status"] == "succeeded"


def test_initialize_steps_builds_the_tree_from_the_registry(make_workflow: Any) -> None:
    workflow = make_workflow({"a": "note", "g": ("group", {"x": 1}, {"inner": "ask"})})
    steps = workflow.initialize_steps()
    assert list(steps) == ["a", "g"]
    assert type(steps["g"]).__name__ == "Group"
    assert steps["g"].options == {"x": 1}
    assert list(steps["g"].sub_steps) == ["inner"]
    assert workflow.step_at("g/inner").name == "ask"


def test_unknown_step_name_lists_the_registered_steps(make_workflow: Any, workspace: Path) -> None:
    workflow = make_workflow({"a": "note", "b": "no_such_step"})
    with pytest.raises(UnknownStepError) as info:
        workflow.initialize_steps()
    message = str(info.value)
    assert "'no_such_step'" in message and "step 'b'" in message
    assert (
        "registered steps: ask, bad, block, boom, fan, group, note, outline, picky, plan, swallow, "
        "write" in message
    )
    assert not (workspace / ".autobyteus").exists()


async def test_execute_step_with_an_unknown_id_is_a_clear_error(
    make_workflow: Any, workspace: Path
) -> None:
    workflow = make_workflow({"a": "note", "g": ("group", {}, {"inner": "note"})})
    with pytest.raises(UnknownStepError) as info:
        await workflow.execute_step("nope")
    assert str(info.value) == "workflow 'test' has no step 'nope'; its steps are: a, g, g/inner"
    assert not (workspace / ".autobyteus").exists()


async def test_execute_step_runs_one_step_or_a_nested_one(make_workflow: Any) -> None:
    workflow = make_workflow({"a": "note", "g": ("group", {}, {"inner": "note"}), "z": "note"})
    result = await workflow.execute_step("g/inner")
    assert result.status is SUCCEEDED
    assert workflow.state.data["order"] == ["g/inner"]
    assert workflow.run_state.steps["g/inner"].status is SUCCEEDED
    assert workflow.run_state.steps["a"].status is WorkflowStatus.PENDING
    assert workflow.status is WorkflowStatus.PENDING

    await workflow.execute_step("a")
    await workflow.execute_step("g")
    await workflow.execute_step("z")
    assert workflow.status is SUCCEEDED
    assert workflow.state.data["order"] == ["g/inner", "a", "g:begin", "g/inner", "g:end", "z"]


async def test_a_failed_step_stops_the_run_and_a_second_start_retries_it(
    make_workflow: Any,
) -> None:
    workflow = make_workflow({"a": "note", "flaky": ("boom", {"times": 1}), "z": "note"})

    run = await workflow.start(requirement="r")
    assert run.status is WorkflowStatus.FAILED
    assert run.error == "step 'flaky' failed: it went boom"
    assert run.steps["flaky"].error == "it went boom"
    assert run.steps["z"].status is WorkflowStatus.PENDING
    assert _saved(workflow)["status"] == "failed"

    run = await workflow.start()
    assert run.status is SUCCEEDED
    assert workflow.state.data["order"] == ["a", "flaky", "z"]  # "a" did not run twice
    assert run.steps["flaky"].attempts == 2


async def test_a_step_returning_garbage_fails_with_a_clear_message(make_workflow: Any) -> None:
    run = await make_workflow({"b": "bad"}).start(requirement="r")
    assert run.status is WorkflowStatus.FAILED
    assert run.steps["b"].error == "the step returned str, not a StepResult"


async def test_a_refused_write_fails_the_step_and_nothing_leaves_the_workspace(
    make_workflow: Any, workspace: Path
) -> None:
    before = sorted(p.name for p in workspace.parent.iterdir())
    workflow = make_workflow({"w": ("write", {"path": "../escaped.txt"})})
    run = await workflow.start(requirement="r")
    assert run.status is WorkflowStatus.FAILED
    assert "refused to write '../escaped.txt'" in (run.error or "")
    assert sorted(p.name for p in workspace.parent.iterdir()) == before
    transcript = (workflow.run_dir / "transcript.jsonl").read_text(encoding="utf-8")
    assert '"type": "file_refused"' in transcript


async def test_events_reach_the_hook_and_listeners_and_raising_observers_do_not_stop_the_run(
    make_workflow: Any, register_plugin: Any
) -> None:
    recorder = EventRecorder()
    register_plugin(RaisingObserver(), "raising_observer")
    register_plugin(recorder, "recorder")
    heard: list[WorkflowEvent] = []

    def broken_listener(event: WorkflowEvent) -> None:
        raise ValueError("listener bug")

    llm = ScriptedLLM().on("write part", "content")
    workflow = make_workflow(
        {"fan": ("fan", {"count": 2})},
        llm,
        listeners=[broken_listener, heard.append],
    )
    run = await workflow.start(requirement="r")

    assert run.status is SUCCEEDED
    types = [e.type for e in recorder.events]
    assert types == [e.type for e in heard]
    assert types[0] is EventType.WORKFLOW_STARTED and types[-1] is EventType.WORKFLOW_FINISHED
    counts = {t: types.count(t) for t in set(types)}
    assert counts[EventType.STEP_STARTED] == counts[EventType.STEP_FINISHED] == 1
    for per_subtask in (
        EventType.SUBTASK_STARTED,
        EventType.LLM_CALL_STARTED,
        EventType.LLM_CALL_FINISHED,
        EventType.FILE_WRITTEN,
        EventType.SUBTASK_FINISHED,
    ):
        assert counts[per_subtask] == 2, per_subtask
    finished = next(e for e in heard if e.type is EventType.LLM_CALL_FINISHED)
    assert finished.step_id == "fan"
    assert finished.run_id == workflow.run_id
    assert set(finished.data) >= {
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "latency_s",
        "model",
        "replayed",
    }
    written = next(e for e in heard if e.type is EventType.FILE_WRITTEN)
    assert written.data["path"].startswith("parts/task_") and written.data["bytes"] == 7


async def test_cancel_stops_the_run_cleanly_and_it_can_be_resumed(make_workflow: Any) -> None:
    workflow = make_workflow({"a": "note", "wait": "block", "z": "note"})
    task = asyncio.create_task(workflow.start(requirement="r"))
    while not workflow.state.data.get("blocked"):
        await asyncio.sleep(0.01)
    workflow.cancel()
    run = await task

    assert run.status is WorkflowStatus.CANCELLED
    assert run.steps["wait"].status is WorkflowStatus.CANCELLED
    assert _saved(workflow)["status"] == "cancelled"

    workflow.state.data["unblock"] = True
    run = await workflow.start()
    assert run.status is SUCCEEDED
    assert workflow.state.data["order"] == ["a", "wait", "z"]


async def test_a_cancel_before_the_run_gets_going_is_not_lost(make_workflow: Any) -> None:
    # A batch may cancel an item between creating its workflow and the step runner existing.
    workflow = make_workflow({"wait": "block"})
    workflow.cancel()
    run = await asyncio.wait_for(workflow.start(requirement="r"), timeout=30)
    assert run.status is WorkflowStatus.CANCELLED
    assert _saved(workflow)["status"] == "cancelled"
    workflow.state.data["unblock"] = True
    assert (await workflow.start()).status is SUCCEEDED  # the cancel does not stick


async def test_cancelling_the_caller_saves_the_run_and_propagates(make_workflow: Any) -> None:
    workflow = make_workflow({"wait": "block"})
    task = asyncio.create_task(workflow.start(requirement="r"))
    while not workflow.state.data.get("blocked"):
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    saved = _saved(workflow)
    assert saved["status"] == "cancelled"
    assert saved["steps"]["wait"]["status"] == "cancelled"


class CountingLLM(LLMIntegration):
    """Answers every call, tracking how many are in flight at once."""

    def __init__(self) -> None:
        super().__init__("counting:test")
        self.in_flight = 0
        self.peak = 0
        self.calls = 0

    async def complete(self, messages: Sequence[Message], **options: Any) -> LLMResponse:
        self.calls += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.001)
        self.in_flight -= 1
        return LLMResponse(
            text="part", usage=Usage(prompt_tokens=3, completion_tokens=1), model=self.model_id
        )


async def test_concurrent_calls_in_one_step_are_bounded_and_all_recorded(
    make_workflow: Any,
) -> None:
    llm = CountingLLM()
    workflow = make_workflow({"fan": ("fan", {"count": 20})}, llm, max_concurrency=3)  # type: ignore[arg-type]
    run = await workflow.start(requirement="r")

    assert run.status is SUCCEEDED
    assert llm.calls == 20 and 1 < llm.peak <= 3
    assert sorted(e.key for e in run.exchanges) == sorted(f"task-{i}/attempt-1" for i in range(20))
    assert len(workflow.state.files_written) == 20
    assert run.usage.calls == 20 and run.usage.total_tokens == 80
    assert run.steps["fan"].files == workflow.state.files_written


def test_run_blocks_and_returns_the_run(make_workflow: Any) -> None:
    workflow = make_workflow({"ask": "ask"}, ScriptedLLM().queue("hello"))
    run = workflow.run(requirement="r")
    assert run.status is SUCCEEDED
    assert workflow.state.data["ask"] == ["hello"]


async def test_run_inside_an_event_loop_says_to_await_start(make_workflow: Any) -> None:
    with pytest.raises(WorkflowError, match=r"await workflow\.start"):
        make_workflow({"a": "note"}).run(requirement="r")


async def test_a_started_run_keeps_its_requirement(make_workflow: Any) -> None:
    workflow = make_workflow({"flaky": ("boom", {"times": 1})})
    await workflow.start(requirement="first")
    with pytest.raises(WorkflowError, match="another requirement"):
        await workflow.start(requirement="second")
    assert (await workflow.start(requirement="first")).status is SUCCEEDED
