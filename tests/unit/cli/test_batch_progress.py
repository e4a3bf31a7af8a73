"""The batch progress display: counts, live tokens of running items, plain lines off a terminal,
and the rich panel on one."""

from __future__ import annotations

import io

from autobyteus_core.batch.item import ItemResult, ItemTask
from autobyteus_core.cli.batch_progress import BatchProgress
from autobyteus_core.workflow.events import EventType, WorkflowEvent


def _task(item_id: str) -> ItemTask:
    return ItemTask(id=item_id, requirement="r", workspace="/w", run_id=f"batch-{item_id}")


def _call(tokens: int, replayed: bool = False) -> WorkflowEvent:
    data = {"prompt_tokens": tokens, "completion_tokens": 0, "cost_usd": 0.5, "replayed": replayed}
    return WorkflowEvent(type=EventType.LLM_CALL_FINISHED, run_id="r", data=data)


def _result(item_id: str, status: str, tokens: int) -> ItemResult:
    spent = {"prompt_tokens": tokens, "completion_tokens": 0, "calls": 1, "cost_usd": 1.0}
    return ItemResult(id=item_id, status=status, workspace="/w", spent=spent, error="boom")


def test_counts_running_items_paid_calls_and_prints_a_line_per_ended_item() -> None:
    stream = io.StringIO()
    progress = BatchProgress(4, live=False, stream=stream)
    with progress:
        progress.item_skipped("a")
        progress.item_started(_task("b"))
        progress.item_started(_task("c"))
        progress.item_event(_task("b"), _call(30))
        progress.item_event(_task("b"), _call(99, replayed=True))  # replayed: free
        assert "2/4" not in progress.line() and "2 running; 30 tokens, $0.5000" in progress.line()
        progress.item_finished(_result("b", "failed", 30))
    assert progress.line() == (
        "2/4 done (0 succeeded, 1 failed, 0 errors, 0 stopped, 1 skipped), 1 running; "
        "30 tokens, $1.0000 so far"
    )
    assert stream.getvalue() == "[2/4] b failed (30 tokens, 0.0s): boom\n"


def test_the_live_panel_shows_the_counts_and_the_running_items() -> None:
    stream = io.StringIO()
    progress = BatchProgress(2, live=True, stream=stream)
    with progress:
        progress.item_started(_task("slow-one"))
        rendered = io.StringIO()
        from rich.console import Console

        Console(file=rendered, width=120).print(progress._render())
    assert "batch: 0/2 done" in rendered.getvalue()
    assert "slow-one: running" in rendered.getvalue()
    assert stream.getvalue().count("[") == 0  # no plain lines on a terminal
