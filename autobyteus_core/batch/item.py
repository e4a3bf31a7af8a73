"""One batch item as a task an executor runs, and what it reports when it ends.

:class:`ItemTask` holds only plain values so an executor can send it to another process
(Ray pickles it); :func:`run_item` runs it, resuming its run when the workspace already holds
one, and turns every failure of ours into an :class:`ItemResult` instead of raising.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autobyteus_core.errors import AutobyteusError

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.llm.llm_integration import LLMIntegration
    from autobyteus_core.workflow.run_record import RunState
    from autobyteus_core.workflow.workflow import Listener, Workflow

#: ``ItemResult.status`` values; only the first two count as finished (a rerun skips them).
SUCCEEDED = "succeeded"
FAILED = "failed"
STOPPED = "stopped"  # cancelled or stopped by a budget: a rerun resumes it
ERROR = "error"  # could not start (bad requirement file, bad settings): a rerun tries again
FINISHED = frozenset({SUCCEEDED, FAILED})


@dataclass
class ItemTask:
    """Everything needed to run one item, as plain values.

    ``budget_tokens``/``budget_usd`` are what the batch may still spend on it (None: no
    batch limit); the item's own budget from its settings applies as well.
    """

    id: str
    requirement: str
    workspace: str
    run_id: str
    model: str | None = None
    workflow: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    max_concurrency: int | None = None
    budget_tokens: int | None = None
    budget_usd: float | None = None

    async def run(
        self,
        app: Application,
        *,
        listeners: Iterable[Listener] = (),
        on_workflow: Callable[[Workflow], None] | None = None,
    ) -> ItemResult:
        """:func:`run_item` of this task (what makes it :class:`~autobyteus_core.batch.executor.Work`)."""
        return await run_item(self, app, listeners=listeners, on_workflow=on_workflow)

    def lost(self, message: str) -> ItemResult:
        """An ``error`` result: a rerun of the batch resumes the item."""
        return error_result(self.id, self.workspace, message)


@dataclass
class ItemResult:
    """How an item ended: one line of ``results.jsonl``.

    ``usage`` is the whole run's (earlier attempts included); ``spent`` is what this attempt
    paid (replayed calls cost nothing), which the batch budget counts.
    """

    id: str
    status: str
    workspace: str
    run_id: str | None = None
    run_status: str | None = None
    stop_reason: str | None = None
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    spent: dict[str, Any] = field(default_factory=dict)
    cost_usd: float | None = None
    wall_s: float = 0.0
    files: list[str] = field(default_factory=list)
    tests: dict[str, Any] | None = None
    attempt_pid: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready line."""
        return asdict(self)

    @property
    def tokens(self) -> int:
        """Tokens this attempt paid for."""
        return int(self.spent.get("prompt_tokens", 0)) + int(self.spent.get("completion_tokens", 0))


def error_result(task_id: str, workspace: str, message: str, wall_s: float = 0.0) -> ItemResult:
    """The result of an item that could not run."""
    return ItemResult(id=task_id, status=ERROR, workspace=workspace, error=message, wall_s=wall_s)


async def run_item(
    task: ItemTask,
    app: Application,
    *,
    listeners: Iterable[Listener] = (),
    on_workflow: Callable[[Workflow], None] | None = None,
) -> ItemResult:
    """Run (or resume) ``task`` with ``app``'s registries and return how it ended; never
    raises for our own errors. ``on_workflow`` receives the workflow once it is ready (so the
    caller can cancel it)."""
    import os

    clock = time.perf_counter()
    try:
        workflow, resumed, own = await _open(task, app, list(listeners))
    except AutobyteusError as exc:
        return error_result(task.id, task.workspace, str(exc), time.perf_counter() - clock)
    before = workflow.usage
    if on_workflow is not None:
        on_workflow(workflow)
    try:
        run = await workflow.start(None if resumed else task.requirement)
    except AutobyteusError as exc:
        result = error_result(task.id, task.workspace, str(exc))
        result.run_id = workflow.run_id
    except Exception as exc:  # a bug in a step or plugin: the item fails, the batch goes on
        result = error_result(task.id, task.workspace, f"unexpected {type(exc).__name__}: {exc}")
        result.run_id = workflow.run_id
    else:
        result = _result_of(task, run)
    finally:
        if own is not None:
            await own.aclose()
    result.spent = _difference(workflow.usage.model_dump(), before.model_dump())
    result.wall_s = time.perf_counter() - clock
    result.attempt_pid = os.getpid()
    return result


async def _open(
    task: ItemTask, app: Application, listeners: list[Listener]
) -> tuple[Workflow, bool, LLMIntegration | None]:
    """The item's workflow, loaded from its run store when the run exists; whether it was; the
    client made for this item alone (its settings set its provider's), to close after it."""
    from autobyteus_core.batch.item_settings import check_tables, item_settings, own_llm
    from autobyteus_core.batch.results import stored_run
    from autobyteus_core.workflow.loading import find_workflow
    from autobyteus_core.workflow.run_journal import STATE_FILE, RunStore
    from autobyteus_core.workflow.workflow import Workflow

    root = Path(task.workspace)
    root.mkdir(parents=True, exist_ok=True)
    # Items may share one repository: a branch per item would switch it under the others.
    settings = item_settings(root, {"git": False, **task.settings})
    resumed = (RunStore(root).run_dir(task.run_id) / STATE_FILE).is_file()
    model = task.model
    if model is None and resumed and settings.tables:
        model = getattr(stored_run(task.workspace, task.run_id), "model_id", None)
    own = own_llm(app, model, settings)
    common: dict[str, Any] = {
        "app": app,
        "workspace": root,
        "settings": settings,
        "model": own or model,
        "max_concurrency": task.max_concurrency,
        "listeners": listeners,
    }
    try:
        if resumed:
            workflow = Workflow.load(task.run_id, **common)
        else:
            definition = find_workflow(app, task.workflow or settings.workflow)
            workflow = Workflow(definition, run_id=task.run_id, **common)
        _cap_budget(workflow, task, settings.budget_tokens, settings.budget_usd)
        workflow.initialize_steps()
        check_tables(settings)  # the steps and the provider that read them are imported now
        workflow.prepare()
    except BaseException:
        if own is not None:
            await own.aclose()
        raise
    return workflow, resumed, own


def _cap_budget(
    workflow: Workflow, task: ItemTask, own_tokens: int | None, own_usd: float | None
) -> None:
    """The run's budget: its own (from its settings), lowered to what the batch may still
    spend on top of what the run already used. Set afresh on every attempt, so a cap of an
    earlier batch never sticks to the run."""
    run = workflow.run_state
    used = run.usage
    tokens = own_tokens
    if task.budget_tokens is not None:
        cap = used.total_tokens + task.budget_tokens
        tokens = cap if tokens is None else min(tokens, cap)
    usd = own_usd
    if task.budget_usd is not None:
        cap_usd = (used.cost_usd or 0.0) + task.budget_usd
        usd = cap_usd if usd is None else min(usd, cap_usd)
    run.budget_tokens, run.budget_usd = tokens, usd


def _result_of(task: ItemTask, run: RunState) -> ItemResult:
    from autobyteus_core.workflow.workflow_status import WorkflowStatus

    if run.status is WorkflowStatus.SUCCEEDED:
        status = SUCCEEDED
    elif run.status is WorkflowStatus.FAILED:
        status = FAILED
    else:
        status = STOPPED
    tests = None
    outcome = run.state.tests
    if outcome is not None and outcome.runs:
        tests = {"passed": outcome.passed, "counts": outcome.counts}
    return ItemResult(
        id=task.id,
        status=status,
        workspace=task.workspace,
        run_id=run.run_id,
        run_status=run.status.value,
        stop_reason=run.stop_reason,
        error=run.error,
        usage={**run.usage.model_dump(), "total_tokens": run.usage.total_tokens},
        cost_usd=run.usage.cost_usd,
        files=list(run.state.files_written),
        tests=tests,
    )


def _difference(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    spent: dict[str, Any] = {}
    for key in ("prompt_tokens", "completion_tokens", "calls"):
        spent[key] = int(after.get(key) or 0) - int(before.get(key) or 0)
    cost_after, cost_before = after.get("cost_usd"), before.get("cost_usd")
    spent["cost_usd"] = None if cost_after is None else cost_after - (cost_before or 0.0)
    return spent
