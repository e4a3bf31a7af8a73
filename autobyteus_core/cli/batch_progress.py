"""The live progress of a batch: items done, running and failed, tokens and cost so far; a
rich display on a terminal, one plain line per finished item otherwise."""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

from autobyteus_core.batch.item import ERROR, FAILED, STOPPED, SUCCEEDED
from autobyteus_core.batch.runner import BatchObserver
from autobyteus_core.cli.progress import LiveRendering, format_cost, format_seconds
from autobyteus_core.workflow.events import EventType

if TYPE_CHECKING:
    from rich.console import RenderableType

    from autobyteus_core.batch.item import ItemResult, ItemTask
    from autobyteus_core.workflow.events import WorkflowEvent

_SHOWN_RUNNING = 8


class BatchProgress(BatchObserver, LiveRendering):
    """Counts items as they start and end; ``live`` (default: standard error is a terminal)
    redraws a rich panel, otherwise each ended item is one line on standard error."""

    def __init__(self, total: int, *, live: bool | None = None, stream: TextIO | None = None):
        """Progress of a batch of ``total`` items."""
        self.stream = stream or sys.stderr
        self.live_mode = self.stream.isatty() if live is None else live
        self.total = total
        self.skipped = 0
        self.ended: dict[str, int] = {SUCCEEDED: 0, FAILED: 0, STOPPED: 0, ERROR: 0}
        self.running: dict[str, float] = {}
        self.tokens = 0
        self.cost = 0.0
        self._live_tokens: dict[str, int] = {}
        self._live_cost: dict[str, float] = {}
        self._lock = threading.Lock()
        self._started = time.monotonic()

    # -- what the batch reports ----------------------------------------------------------

    def item_skipped(self, item_id: str) -> None:
        """An item finished in an earlier run."""
        with self._lock:
            self.skipped += 1

    def item_started(self, task: ItemTask) -> None:
        """An item started."""
        with self._lock:
            self.running[task.id] = time.monotonic()

    def item_finished(self, result: ItemResult) -> None:
        """An item ended: count it, and print its line off a terminal."""
        with self._lock:
            self.running.pop(result.id, None)
            self._live_tokens.pop(result.id, None)
            self._live_cost.pop(result.id, None)
            self.ended[result.status] = self.ended.get(result.status, 0) + 1
            self.tokens += result.tokens
            self.cost += float(result.spent.get("cost_usd") or 0.0)
            done = sum(self.ended.values()) + self.skipped
        if self._live is None:
            detail = f": {result.error}" if result.error and result.status != SUCCEEDED else ""
            self.stream.write(
                f"[{done}/{self.total}] {result.id} {result.status} "
                f"({result.tokens} tokens, {format_seconds(result.wall_s)}){detail}\n"
            )
            self.stream.flush()

    def item_event(self, task: ItemTask, event: WorkflowEvent) -> None:
        """A paid LLM call of a running item adds to the live totals."""
        if event.type is not EventType.LLM_CALL_FINISHED or event.data.get("replayed"):
            return
        tokens = int(event.data.get("prompt_tokens") or 0) + int(
            event.data.get("completion_tokens") or 0
        )
        with self._lock:
            self._live_tokens[task.id] = self._live_tokens.get(task.id, 0) + tokens
            cost = float(event.data.get("cost_usd") or 0.0)
            self._live_cost[task.id] = self._live_cost.get(task.id, 0.0) + cost

    # -- drawing ---------------------------------------------------------------------------

    def line(self) -> str:
        """The counts as one line."""
        with self._lock:
            tokens = self.tokens + sum(self._live_tokens.values())
            cost = self.cost + sum(self._live_cost.values())
            done = sum(self.ended.values()) + self.skipped
            counts = (
                f"{done}/{self.total} done ({self.ended[SUCCEEDED]} succeeded, "
                f"{self.ended[FAILED]} failed, {self.ended[ERROR]} errors, "
                f"{self.ended[STOPPED]} stopped, {self.skipped} skipped), "
                f"{len(self.running)} running"
            )
        return f"{counts}; {tokens} tokens, {format_cost(cost)} so far"

    def _render(self) -> RenderableType:
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 2))
        table.add_row(Text(f"batch: {self.line()}", style="bold"))
        now = time.monotonic()
        with self._lock:
            running = sorted(self.running.items(), key=lambda pair: pair[1])
        for item_id, since in running[:_SHOWN_RUNNING]:
            tokens = self._live_tokens.get(item_id, 0)
            table.add_row(
                Text(f"  {item_id}: running {format_seconds(now - since)}, {tokens} tokens")
            )
        if len(running) > _SHOWN_RUNNING:
            table.add_row(Text(f"  … and {len(running) - _SHOWN_RUNNING} more"))
        table.add_row(Text(f"elapsed {format_seconds(now - self._started)}", style="dim"))
        return table
