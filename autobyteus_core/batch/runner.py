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
    from autobyteus_core.workflow.call_ledger import Budget
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

    What the batch has spent counts earlier runs into the same output folder too (each item's
    run store, saved after every LLM call, or else its last line in ``results.jsonl``), so the
    budget holds across Ctrl-C and reruns. The estimate for an item not yet started is the
    mean of what the items that ended used; an item that starts may spend at most what the
    batch has left (its own budget applies too).
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
        #: What the batch spent, earlier runs included.
        self._spent_tokens = 0
        self._spent_usd = 0.0
        #: What the items that ended used in all (the per-item estimate), and how many.
        self._ended_tokens = 0
        self._ended_usd = 0.0
        self._ended_items = 0
        #: Items whose stored run succeeded (a rerun only writes their line).
        self._succeeded: set[str] = set()
        self.outcome = BatchOutcome(total=len(items))

    # -- the queue executors see ----------------------------------------------------------

    def next(self) -> ItemTask | None:
        """The next item to start, with what the batch may still spend on it."""
        with self._lock:
            if self._cancelled or not self._pending:
                return None
            allowance = self._allowance(free=self._pending[0].id in self._succeeded)
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
            if result.run_id is not None:  # an item that never started says nothing of cost
                self._count_ended(result.usage)
        self.observer.item_finished(result)

    def _count_ended(self, usage: dict[str, Any]) -> None:
        self._ended_tokens += int(usage.get("prompt_tokens") or 0) + int(
            usage.get("completion_tokens") or 0
        )
        self._ended_usd += float(usage.get("cost_usd") or 0.0)
        self._ended_items += 1

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

    def _allowance(self, free: bool = False) -> tuple[int | None, float | None] | None:
        """What the next item may spend (tokens, dollars), or None when the batch budget
        would be overspent by starting it; a ``free`` item (its run succeeded, only its line
        is missing) may spend nothing and always starts."""
        budget = self.options.budget
        if budget is None:
            return None, None
        if free:
            return (None if budget.tokens is None else 0), (None if budget.usd is None else 0.0)
        mean_tokens = self._ended_tokens / self._ended_items if self._ended_items else 0.0
        mean_usd = self._ended_usd / self._ended_items if self._ended_items else 0.0
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
            if options.budget is not None:
                self._count_earlier(item.id, workspace, latest.get(item.id))
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

    def _count_earlier(self, item_id: str, workspace: str, line: dict[str, Any] | None) -> None:
        """Add what earlier runs of the batch spent on an item: its run store's usage (saved
        after every call), else that of its last result line."""
        from autobyteus_core.batch.results import stored_run
        from autobyteus_core.workflow.workflow_status import WorkflowStatus

        run = stored_run(workspace, run_id_of(item_id))
        if run is not None:
            usage: dict[str, Any] = run.usage.model_dump()
            if run.status is WorkflowStatus.SUCCEEDED:
                self._succeeded.add(item_id)
        else:
            usage = (line or {}).get("usage") or {}
        tokens = int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
        self._spent_tokens += tokens
        self._spent_usd += float(usage.get("cost_usd") or 0.0)
        if line is not None and line.get("status") in FINISHED:
            self._count_ended(usage)

    async def run(self, executor: Executor) -> BatchOutcome:
        """Plan, then let ``executor`` run what is queued."""
        self.plan()
        if self._pending:
            await executor.run(self)
        with self._lock:
            self.outcome.cancelled = self._cancelled
            self.outcome.not_started = len(self._pending) + len(self._running)
        return self.outcome
