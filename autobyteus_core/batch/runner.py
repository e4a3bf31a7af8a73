"""Running a batch: which items still need to run, the batch budget, cancelling, and the
results file, behind the :class:`~autobyteus_core.batch.executor.BatchQueue` executors use."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autobyteus_core.batch.item import FINISHED, STOPPED, ItemResult, ItemTask, error_result
from autobyteus_core.batch.results import ResultsLog, write_batch_file

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.batch.executor import Executor
    from autobyteus_core.batch.spec import SpecItem
    from autobyteus_core.workflow.budget import Budget
    from autobyteus_core.workflow.events import WorkflowEvent
    from autobyteus_core.workflow.workflow import Listener, Workflow


def run_id_of(item_id: str) -> str:
    """The run id of an item's workflow: fixed, so a rerun finds the run to resume."""
    return f"batch-{item_id}"


@dataclass
class BatchOptions:
    """What ``autobyteus batch run`` was asked: where results go and how items run."""

    out: Path
    jobs: int = 4
    model: str | None = None
    workflow: str | None = None
    max_concurrency: int | None = None
    budget: Budget | None = None
    address: str | None = None


class BatchObserver:
    """What a progress display receives; every method may be called from any thread."""

    def item_skipped(self, item_id: str) -> None:
        """An item ``results.jsonl`` records as finished is not run again."""

    def item_started(self, task: ItemTask) -> None:
        """An item was handed to the executor."""

    def item_finished(self, result: ItemResult) -> None:
        """An item ended (its line is in ``results.jsonl``)."""

    def item_event(self, task: ItemTask, event: WorkflowEvent) -> None:
        """An event of an item running in this process."""


@dataclass
class BatchOutcome:
    """What one run of the batch did."""

    total: int
    skipped: int = 0
    results: list[ItemResult] = field(default_factory=list)
    not_started: int = 0
    budget_stopped: bool = False
    cancelled: bool = False

    def count(self, status: str) -> int:
        """How many of this run's results have ``status``."""
        return sum(1 for r in self.results if r.status == status)

    @property
    def exit_code(self) -> int:
        """3 when something is left to resume, else 1 when an item failed, else 0."""
        if self.cancelled or self.budget_stopped or self.not_started or self.count(STOPPED):
            return 3
        return 0 if all(r.status == "succeeded" for r in self.results) else 1


class BatchRunner:
    """One run of a batch: skips finished items, writes one line per item as it ends, and
    stops starting items once the batch budget would be overspent.

    The budget estimate for an item not yet started is the mean of what this run's ended
    items paid; an item that starts may spend at most what the batch has left (its own
    budget applies too).
    """

    def __init__(
        self,
        items: list[SpecItem],
        options: BatchOptions,
        *,
        app: Application,
        observer: BatchObserver | None = None,
    ) -> None:
        """A batch of ``items`` whose output folder is ``options.out``."""
        self.options = options
        self.jobs = max(1, options.jobs)
        self.address = options.address
        self.app = app
        self.observer = observer or BatchObserver()
        self.items = items
        self.log = ResultsLog(options.out)
        self._lock = threading.RLock()
        self._pending: deque[ItemTask] = deque()
        self._running: dict[str, ItemTask] = {}
        self._workflows: dict[str, Workflow] = {}
        self._cancelled = False
        self._spent_tokens = 0
        self._spent_usd = 0.0
        self._paid_items = 0
        self.outcome = BatchOutcome(total=len(items))

    # -- the queue executors see ----------------------------------------------------------

    def next(self) -> ItemTask | None:
        """The next item to start, with what the batch may still spend on it."""
        with self._lock:
            if self._cancelled or not self._pending:
                return None
            allowance = self._allowance()
            if allowance is None:
                self.outcome.budget_stopped = True
                return None
            task = self._pending.popleft()
            task.budget_tokens, task.budget_usd = allowance
            self._running[task.id] = task
        self.observer.item_started(task)
        return task

    def finished(self, result: ItemResult) -> None:
        """Write ``result`` and count what it spent."""
        with self._lock:
            self.log.append(result)
            self._running.pop(result.id, None)
            self._workflows.pop(result.id, None)
            self.outcome.results.append(result)
            self._spent_tokens += result.tokens
            self._spent_usd += float(result.spent.get("cost_usd") or 0.0)
            self._paid_items += 1
        self.observer.item_finished(result)

    def listeners(self, task: ItemTask) -> list[Listener]:
        """One listener passing the item's events to the observer."""

        def listener(event: WorkflowEvent) -> None:
            self.observer.item_event(task, event)

        return [listener]

    def track(self, task: ItemTask, workflow: Workflow) -> None:
        """Remember the workflow of a running item, to cancel it with the batch."""
        with self._lock:
            self._workflows[task.id] = workflow
            cancelled = self._cancelled
        if cancelled:
            workflow.cancel()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled

    def cancel(self) -> None:
        """Start nothing more and cancel the items running in this process (each is saved and
        reported as stopped). Safe from a signal handler or another thread."""
        with self._lock:
            self._cancelled = True
            workflows = list(self._workflows.values())
        for workflow in workflows:
            workflow.cancel()

    # -- running ----------------------------------------------------------------------------

    def _allowance(self) -> tuple[int | None, float | None] | None:
        """What the next item may spend (tokens, dollars), or None when the batch budget
        would be overspent by starting it."""
        budget = self.options.budget
        if budget is None:
            return None, None
        mean_tokens = self._spent_tokens / self._paid_items if self._paid_items else 0.0
        mean_usd = self._spent_usd / self._paid_items if self._paid_items else 0.0
        reserved = len(self._running)
        tokens: int | None = None
        usd: float | None = None
        if budget.tokens is not None:
            left = budget.tokens - self._spent_tokens - reserved * mean_tokens
            if left <= 0 or left < mean_tokens:
                return None
            tokens = int(left)
        if budget.usd is not None:
            left_usd = budget.usd - self._spent_usd - reserved * mean_usd
            if left_usd <= 0 or left_usd < mean_usd:
                return None
            usd = left_usd
        return tokens, usd

    def plan(self) -> list[ItemTask]:
        """Decide what this run does: finished items are skipped, unrunnable ones reported
        at once, the rest queued. Writes ``batch.json``."""
        options = self.options
        options.out.mkdir(parents=True, exist_ok=True)
        latest = self.log.latest()
        entries: list[dict[str, Any]] = []
        for item in self.items:
            workspace = str(item.workspace or (options.out / item.id).absolute())
            entries.append({"id": item.id, "workspace": workspace, "run_id": run_id_of(item.id)})
            if latest.get(item.id, {}).get("status") in FINISHED:
                self.outcome.skipped += 1
                self.observer.item_skipped(item.id)
                continue
            if item.error is not None or item.requirement is None:
                self.finished(error_result(item.id, workspace, item.error or "no requirement"))
                continue
            self._pending.append(
                ItemTask(
                    id=item.id,
                    requirement=item.requirement,
                    workspace=workspace,
                    run_id=run_id_of(item.id),
                    model=item.model or options.model,
                    workflow=options.workflow,
                    settings=dict(item.settings),
                    max_concurrency=options.max_concurrency,
                )
            )
        write_batch_file(
            options.out, {"items": entries, "jobs": self.jobs, "updated_at": time.time()}
        )
        return list(self._pending)

    async def run(self, executor: Executor) -> BatchOutcome:
        """Plan, then let ``executor`` run what is queued."""
        self.plan()
        if self._pending:
            await executor.run(self)
        with self._lock:
            self.outcome.cancelled = self._cancelled
            self.outcome.not_started = len(self._pending) + len(self._running)
        return self.outcome
