"""The executor hook and the batch runner in this process: an executor registered by a plugin
runs a batch, and the batch budget stops starting items before it would be overspent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from autobyteus_core import hookimpl
from autobyteus_core.app import Application
from autobyteus_core.batch.executor import BatchQueue, Executor
from autobyteus_core.batch.item import ItemResult
from autobyteus_core.batch.runner import BatchOptions, BatchOutcome, BatchRunner
from autobyteus_core.batch.spec import read_spec
from autobyteus_core.errors import PluginLoadError
from autobyteus_core.testing.batch_kit import CALLS_PER_ITEM, ScriptedBatch, make_batch
from autobyteus_core.workflow.call_ledger import Budget


class InlineExecutor(Executor):
    """Runs one item at a time and says so in each result."""

    name = "inline"
    description = "one item at a time, for tests"

    async def run(self, batch: BatchQueue) -> None:
        while (task := batch.next()) is not None:
            batch.finished(
                ItemResult(id=task.id, status="succeeded", workspace=task.workspace, error="inline")
            )


class InlinePlugin:
    @hookimpl
    def register_executors(self, register):
        register(InlineExecutor())


class ShadowsLocal:
    @hookimpl
    def register_executors(self, register):
        register(type("Local", (InlineExecutor,), {"name": "local"})())


async def test_a_plugin_executor_runs_the_batch(
    autobyteus_app: Application, register_plugin, tmp_path: Path
) -> None:
    record = register_plugin(InlinePlugin(), "inline")
    assert record.registered == {"executors": ["inline"]}
    assert autobyteus_app.executors.names() == ["inline", "local"]
    batch = make_batch(tmp_path, items=3, failing=(), bad=(2,))
    runner = BatchRunner(
        read_spec(batch.spec), BatchOptions(out=tmp_path / "out"), app=autobyteus_app
    )
    outcome = await runner.run(autobyteus_app.executors.get("inline"))
    latest = batch.latest(tmp_path / "out")
    assert {i: line["status"] for i, line in latest.items()} == {
        "item-01": "succeeded", "item-02": "error", "item-03": "succeeded"
    }  # fmt: skip
    assert latest["item-01"]["error"] == "inline"  # the executor's own result
    assert outcome.exit_code == 1


def test_a_plugin_cannot_take_the_local_executors_name(register_plugin) -> None:
    with pytest.raises(
        PluginLoadError, match="registered executor 'local', which plugin 'local_executor'"
    ):
        register_plugin(ShadowsLocal(), "shadow")


#: A kit item's tokens: the scripted replies' word counts, 10 tokens a call.
PER_ITEM = 40


@pytest.fixture
def budget_batch(
    autobyteus_app: Application, register_plugin, tmp_path: Path
) -> Callable[[], Awaitable[BatchOutcome]]:
    """A run of six kit items, one at a time, into ``tmp_path/out`` with a budget of 2.5."""
    batch = make_batch(tmp_path, items=6, failing=(), bad=())
    register_plugin(batch.plugin_module(), "batch_kit_steps")

    async def run_batch() -> BatchOutcome:
        options = BatchOptions(
            out=tmp_path / "out", jobs=1, model=batch.model, workflow="batch_kit",
            budget=Budget(tokens=int(PER_ITEM * 2.5)),
        )  # fmt: skip
        runner = BatchRunner(read_spec(batch.spec), options, app=autobyteus_app)
        try:
            return await runner.run(autobyteus_app.executors.get("local"))
        finally:
            await autobyteus_app.llm.aclose()

    return run_batch


async def test_the_batch_budget_stops_starting_items_before_it_is_overspent(
    budget_batch: Callable[[], Awaitable[BatchOutcome]], tmp_path: Path
) -> None:
    outcome = await budget_batch()
    ran = ScriptedBatch.results(tmp_path / "out")
    assert [line["status"] for line in ran] == ["succeeded", "succeeded"]
    assert [line["usage"]["total_tokens"] for line in ran] == [PER_ITEM, PER_ITEM]
    assert ran[0]["usage"]["calls"] == CALLS_PER_ITEM
    assert outcome.budget_stopped and outcome.not_started == 4 and outcome.exit_code == 3


async def test_the_batch_budget_counts_what_earlier_runs_of_the_batch_spent(
    budget_batch: Callable[[], Awaitable[BatchOutcome]], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = await budget_batch()
    assert first.budget_stopped and [r.id for r in first.results] == ["item-01", "item-02"]
    # The process died after item-02's last call was saved, before its result line.
    results = out / "results.jsonl"
    results.write_text(results.read_text().splitlines()[0] + "\n", encoding="utf-8")

    second = await budget_batch()
    # item-01's line and item-02's run store hold 80 of the 100 tokens: item-02 resumes
    # (paying nothing), and no new item starts.
    assert [(r.id, r.status, r.tokens) for r in second.results] == [("item-02", "succeeded", 0)]
    assert second.budget_stopped and second.not_started == 4 and second.exit_code == 3
    third = await budget_batch()
    assert third.results == [] and third.budget_stopped and third.skipped == 2
    assert [line["id"] for line in ScriptedBatch.results(out)] == ["item-01", "item-02"]
