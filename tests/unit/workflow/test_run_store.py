"""The run store: state.json and transcript.jsonl, to_json/from_json, replay on resume, usage
and budget."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from autobyteus_core import hookimpl
from autobyteus_core.llm.errors import LLMProviderUnavailableError
from autobyteus_core.llm.message import Message
from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.base_step import BaseStep
from autobyteus_core.workflow.errors import WorkflowError
from autobyteus_core.workflow.run_journal import RunStore
from autobyteus_core.workflow.step_context import StepResult, WorkflowContext
from autobyteus_core.workflow.workflow import Workflow
from autobyteus_core.workflow.workflow_status import WorkflowStatus

SUCCEEDED = WorkflowStatus.SUCCEEDED


def _transcript(workflow: Workflow) -> list[dict[str, Any]]:
    text = (workflow.run_dir / "transcript.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _load(app: Any, workspace: Path, run_id: str, llm: Any, **kwargs: Any) -> Workflow:
    return Workflow.load(run_id, workspace=workspace, app=app, model=llm, **kwargs)


async def test_state_and_transcript_record_every_call(make_workflow: Any, workspace: Path) -> None:
    llm = ScriptedLLM().on("question 0", "first reply").on("question 1", "second reply")
    workflow = make_workflow({"ask": ("ask", {"calls": 2})}, llm)
    await workflow.start(requirement="a calculator")

    run_dir = workspace / ".autobyteus" / "runs" / workflow.run_id
    assert workflow.run_dir == run_dir
    state = json.loads((run_dir / "state.json").read_text(encoding="utf-8"))
    assert state["status"] == "succeeded"
    assert state["state"]["data"]["ask"] == ["first reply", "second reply"]
    assert state["usage"]["calls"] == 2
    assert state["exchanges"] == []  # replies live in the append-only transcript
    calls = [e for e in _transcript(workflow) if e["type"] == "llm_call"]
    assert [c["reply"] for c in calls] == ["first reply", "second reply"]
    assert calls[0]["messages"] == [
        {"role": "user", "content": "ask question 0 about a calculator"}
    ]
    assert calls[0]["key"] == "#1" and calls[1]["key"] == "#2"
    assert calls[0]["usage"]["prompt_tokens"] == 6 and calls[0]["latency_s"] >= 0
    assert (workspace / ".autobyteus" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")


async def test_to_json_and_from_json_round_trip_the_whole_run(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    llm = ScriptedLLM().on("question", "reply").on("write part", "text")
    workflow = make_workflow(
        {"ask": ("ask", {"calls": 2}), "g": ("group", {}, {"fan": ("fan", {"count": 2})})}, llm
    )
    await workflow.start(requirement="r")
    text = workflow.to_json()

    data = json.loads(text)
    assert data["workflow"]["steps"]["g"]["steps"]["fan"]["options"] == {"count": 2}
    assert [s["status"] for s in data["steps"].values()] == ["succeeded"] * 3
    assert len(data["exchanges"]) == 4 and data["exchanges"][0]["reply"] == "reply"
    assert data["steps"]["ask"]["output"] == {"replies": ["reply", "reply"]}
    assert data["usage"]["calls"] == 4

    restored = Workflow.from_json(text, app=app, workspace=workspace, model=ScriptedLLM())
    assert restored.run_state == workflow.run_state
    assert restored.to_json() == text
    loaded = Workflow.load(workflow.run_id, workspace=workspace, app=app, model=ScriptedLLM())
    assert loaded.run_state.model_dump(exclude={"updated_at"}) == workflow.run_state.model_dump(
        exclude={"updated_at"}
    )


class SecretAsk(BaseStep):
    """Passes the API key from the environment as a call option, as a careless step might."""

    name = "secret_ask"

    async def execute(self, context: WorkflowContext) -> StepResult:
        key = os.environ["TEST_API_KEY"]
        await context.complete([Message.user("question")], api_key=key, temperature=0.2)
        return StepResult()


class SecretPlugin:
    @hookimpl
    def register_steps(self, register: Any) -> None:
        register(SecretAsk)


async def test_no_secret_reaches_the_run_files(
    make_workflow: Any, register_plugin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-0123456789abcdefSECRET"
    monkeypatch.setenv("TEST_API_KEY", secret)
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__API_KEY", secret)
    register_plugin(SecretPlugin(), "secret_steps")
    llm = ScriptedLLM().on("question", "ok")
    workflow = make_workflow({"ask": "secret_ask"}, llm)
    assert (await workflow.start(requirement="r")).status is SUCCEEDED

    assert llm.calls[0].options["api_key"] == secret  # the integration did get it
    assert secret not in workflow.to_json()
    for path in workflow.run_dir.iterdir():
        assert secret not in path.read_text(encoding="utf-8"), path.name
    options = next(e for e in _transcript(workflow) if e["type"] == "llm_call")["options"]
    assert options["temperature"] == 0.2 and options["api_key"] != secret


async def test_resume_replays_every_recorded_call(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    failing = ScriptedLLM().queue("one", "two", LLMProviderUnavailableError("server down"))
    workflow = make_workflow({"ask": ("ask", {"calls": 4}), "z": "note"}, failing)
    run = await workflow.start(requirement="r")
    assert run.status is WorkflowStatus.FAILED
    assert "server down" in (run.error or "")
    assert run.usage.calls == 2

    fresh = ScriptedLLM().queue("three", "four")  # would fail if "one" or "two" were asked again
    resumed = _load(app, workspace, workflow.run_id, fresh)
    run = await resumed.start()

    assert run.status is SUCCEEDED
    assert [c.prompt for c in fresh.calls] == ["ask question 2 about r", "ask question 3 about r"]
    assert resumed.state.data["ask"] == ["one", "two", "three", "four"]
    assert run.usage.calls == 4
    assert resumed.ledger.replayed == 2 and resumed.ledger.issued == 2


async def test_a_prompt_already_answered_in_the_run_is_not_paid_for_again(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    llm = ScriptedLLM().queue("one", "two", "three")
    steps = {"a": ("ask", {"calls": 2, "prompt": "same"}), "b": ("ask", {"prompt": "same"})}
    workflow = make_workflow(steps, llm)
    run = await workflow.start(requirement="r")

    assert run.status is SUCCEEDED
    assert [c.prompt for c in llm.calls] == ["same"]
    assert workflow.state.data["a"] == ["one", "one"] and workflow.state.data["b"] == ["one"]
    assert run.usage.calls == 1 and len(run.exchanges) == 3
    reused = [entry.get("reused") for entry in _transcript(workflow)]
    assert reused == [None, "a/#1", "a/#1"]

    resumed = _load(app, workspace, workflow.run_id, ScriptedLLM())  # no reply to give
    assert (await resumed.start()).status is SUCCEEDED
    assert resumed.run_state.usage.calls == 1 and resumed.state.data["b"] == ["one"]


async def test_concurrent_keyed_calls_are_replayed_whatever_order_they_finish_in(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    first = ScriptedLLM().on("task-3 ", LLMProviderUnavailableError("down")).on("write part", "ok")
    workflow = make_workflow({"fan": ("fan", {"count": 6})}, first, max_concurrency=6)
    assert (await workflow.start(requirement="r")).status is WorkflowStatus.FAILED
    assert sorted(e.key for e in workflow.run_state.exchanges) == [
        f"task-{i}/attempt-1" for i in (0, 1, 2, 4, 5)
    ]

    second = ScriptedLLM().on("task-3 ", "ok")  # answers only the call that never completed
    resumed = _load(app, workspace, workflow.run_id, second)
    assert (await resumed.start()).status is SUCCEEDED
    assert [c.prompt for c in second.calls] == ["write part task-3 of r"]
    assert len(resumed.state.files_written) == 6


async def test_a_changed_prompt_is_asked_again(make_workflow: Any) -> None:
    llm = ScriptedLLM().on("question", "answer")
    workflow = make_workflow({"ask": "ask"}, llm)
    await workflow.start(requirement="old")
    await workflow.execute_step("ask")
    assert len(llm.calls) == 1  # same prompt, same key: replayed

    workflow.state.requirement = "new"
    await workflow.execute_step("ask")
    assert [c.prompt for c in llm.calls] == ["ask question 0 about old", "ask question 0 about new"]


async def test_a_step_can_read_its_recorded_replies_whatever_prompt_they_answered(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    llm = ScriptedLLM().on("task-0 ", "zero").on("task-1 ", "one")
    workflow = make_workflow({"fan": ("fan", {"count": 2}), "z": "note"}, llm)
    await workflow.start(requirement="r")

    resumed = _load(app, workspace, workflow.run_id, ScriptedLLM())  # read back from the files
    resumed.state.requirement = "a changed requirement"  # prompts would differ now
    resumed.prepare()
    keys = ("task-0/attempt-1", "task-1/attempt-1", "task-2/attempt-1")
    assert [resumed.step_context("fan").recorded_reply(k) for k in keys] == ["zero", "one", None]
    assert resumed.step_context("z").recorded_reply("task-0/attempt-1") is None  # another step's


async def test_usage_is_summed_per_call_per_step_and_per_run(make_workflow: Any) -> None:
    llm = ScriptedLLM(cost_per_token=0.001).on("question", "two words")
    workflow = make_workflow(
        {"a": ("ask", {"calls": 2}), "g": ("group", {}, {"b": ("ask", {"calls": 1})})}, llm
    )
    run = await workflow.start(requirement="r")

    per_call = [e.usage for e in run.exchanges]
    assert [u.total_tokens for u in per_call] == [7, 7, 7]  # 5 prompt words + 2 reply words
    assert run.steps["a"].usage.total_tokens == 14 and run.steps["a"].usage.calls == 2
    assert run.steps["g/b"].usage.total_tokens == 7
    assert run.steps["g"].usage == run.steps["g/b"].usage
    assert run.usage.total_tokens == 21 and run.usage.calls == 3
    assert run.usage.cost_usd == pytest.approx(0.021)


async def test_budget_stops_before_overspending_and_a_bigger_budget_resumes(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    replies = ScriptedLLM().on("question", "a reply of five words")
    workflow = make_workflow({"ask": ("ask", {"calls": 5}), "z": "note"}, replies, budget_tokens=25)
    run = await workflow.start(requirement="r")

    assert run.status is WorkflowStatus.CANCELLED and run.stop_reason == "budget"
    assert "budget" in (run.error or "") and f"autobyteus resume {workflow.run_id}" in (
        run.error or ""
    )
    assert len(replies.calls) == 2 and run.usage.total_tokens == 20 <= 25
    assert run.steps["ask"].status is WorkflowStatus.CANCELLED
    saved = json.loads((workflow.run_dir / "state.json").read_text(encoding="utf-8"))
    assert saved["status"] == "cancelled" and saved["stop_reason"] == "budget"

    more = ScriptedLLM().on("question", "a reply of five words")
    resumed = _load(app, workspace, workflow.run_id, more, budget_tokens=1000)
    run = await resumed.start()
    assert run.status is SUCCEEDED
    assert len(more.calls) == 3
    assert run.usage.total_tokens == 50 and run.budget_tokens == 1000


async def test_a_dollar_budget_uses_the_price_seen_so_far(make_workflow: Any) -> None:
    llm = ScriptedLLM(cost_per_token=0.01).on("question", "one two three four five")
    workflow = make_workflow({"ask": ("ask", {"calls": 5})}, llm, budget_usd=0.25)
    run = await workflow.start(requirement="r")
    assert run.stop_reason == "budget"
    assert run.usage.cost_usd is not None and run.usage.cost_usd <= 0.25
    assert len(llm.calls) == 2


async def test_a_step_that_swallows_a_budget_refusal_still_stops_the_run(
    make_workflow: Any,
) -> None:
    llm = ScriptedLLM().on("swallow", "a long reply of many many words here")
    workflow = make_workflow({"s": ("swallow", {"calls": 4}), "z": "note"}, llm, budget_tokens=20)
    run = await workflow.start(requirement="r")
    assert run.status is WorkflowStatus.CANCELLED and run.stop_reason == "budget"
    assert run.steps["s"].status is WorkflowStatus.CANCELLED
    assert run.steps["z"].status is WorkflowStatus.PENDING
    assert len(llm.calls) == 1


async def test_runs_are_found_by_id_prefix_or_last(make_workflow: Any, workspace: Path) -> None:
    first = make_workflow({"a": "note"}, run_id="20240101-000000-aaaaaa")
    await first.start(requirement="r")
    second = make_workflow({"a": "note"}, run_id="20240102-000000-bbbbbb")
    await second.start(requirement="r")
    store = RunStore(workspace)
    assert store.run_ids() == [first.run_id, second.run_id]
    assert store.resolve_id("20240101") == first.run_id
    assert store.resolve_id("last") == second.run_id
    with pytest.raises(WorkflowError, match="ambiguous"):
        store.resolve_id("2024")
    with pytest.raises(WorkflowError, match="autobyteus runs"):
        store.resolve_id("1999")
    with pytest.raises(WorkflowError, match="invalid run id"):
        store.run_dir("../outside")


async def test_a_line_cut_short_by_a_crash_is_ignored(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    workflow = make_workflow({"ask": "ask"}, ScriptedLLM().queue("answer"))
    await workflow.start(requirement="r")
    with (workflow.run_dir / "transcript.jsonl").open("a", encoding="utf-8") as transcript:
        transcript.write('{"type": "llm_call", "step": "ask", "rep')
    loaded = _load(app, workspace, workflow.run_id, ScriptedLLM())
    assert [e.reply for e in loaded.run_state.exchanges] == ["answer"]


async def test_a_run_live_in_another_process_is_not_resumed(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    workflow = make_workflow({"a": "note"})
    await workflow.start(requirement="r")
    workflow.run_state.status = WorkflowStatus.RUNNING
    workflow.run_state.pid = os.getppid()  # alive: the process that started pytest
    workflow.recorder.save_now()
    loaded = _load(app, workspace, workflow.run_id, ScriptedLLM())
    assert loaded.run_state.display_status == "running"
    with pytest.raises(WorkflowError, match=f"being run by process {os.getppid()}"):
        await loaded.start()


class DeleteRuns(BaseStep):
    """Deletes the run store under the engine's feet, then asks for a checkpoint."""

    name = "delete_runs"

    async def execute(self, context: WorkflowContext) -> StepResult:
        shutil.rmtree(context.workspace.root / ".autobyteus")
        await context.checkpoint()
        return StepResult()


class DeleteRunsSaveSoon(BaseStep):
    """Deletes the run store, then asks for checkpoints it does not wait for."""

    name = "delete_runs_save_soon"

    async def execute(self, context: WorkflowContext) -> StepResult:
        shutil.rmtree(context.workspace.root / ".autobyteus")
        for _ in range(3):
            await context.checkpoint(wait=False)
            await asyncio.sleep(0)
        return StepResult()


class DeletePlugin:
    @hookimpl
    def register_steps(self, register: Any) -> None:
        register(DeleteRuns)
        register(DeleteRunsSaveSoon)


@pytest.mark.parametrize("step", ["delete_runs", "delete_runs_save_soon"])
async def test_a_run_that_cannot_be_saved_fails_loudly(
    make_workflow: Any, register_plugin: Any, step: str
) -> None:
    """Whether the step's checkpoint waits for the write or not."""
    register_plugin(DeletePlugin(), "delete_steps")
    workflow = make_workflow({"d": step})
    with pytest.raises(WorkflowError, match="cannot save the run"):
        await workflow.start(requirement="r")
    assert workflow.status is WorkflowStatus.FAILED


async def test_a_call_is_in_the_transcript_before_the_step_uses_its_reply(
    make_workflow: Any,
) -> None:
    """So a process killed at any moment loses at most the call in flight."""
    seen: list[str] = []
    workflow: Workflow | None = None

    def second(_: Any) -> str:
        assert workflow is not None
        seen.extend(e["reply"] for e in _transcript(workflow) if e["type"] == "llm_call")
        return "second reply"

    llm = ScriptedLLM().on("question 0", "first reply").on("question 1", second)
    workflow = make_workflow({"ask": ("ask", {"calls": 2})}, llm)
    await workflow.start(requirement="a calculator")
    assert seen == ["first reply"]


async def test_loading_counts_usage_from_the_transcript_when_state_json_lags(
    make_workflow: Any, app: Any, workspace: Path
) -> None:
    workflow = make_workflow({"ask": ("ask", {"calls": 2})}, ScriptedLLM().on("question", "r"))
    await workflow.start(requirement="r")
    state_file = workflow.run_dir / "state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    expected = state["usage"]
    state["usage"] = {"prompt_tokens": 0, "completion_tokens": 0, "calls": 0}
    state["steps"]["ask"]["usage"] = state["usage"]
    state_file.write_text(json.dumps(state), encoding="utf-8")

    run = RunStore(workspace).load(workflow.run_id)
    assert run.usage.calls == expected["calls"] == 2
    assert run.usage.prompt_tokens == expected["prompt_tokens"]
    assert run.steps["ask"].usage.calls == 2
