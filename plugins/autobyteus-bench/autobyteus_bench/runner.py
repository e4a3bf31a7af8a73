"""Running tasks: :func:`run_task` turns one task and arm into one result record.

``run_task`` is self-contained (a task, a :class:`BenchConfig` of plain values and an
application in, a JSON-ready record out, its own fresh workspace), so each (task, arm) is a
:class:`BenchWork` an executor of the core (``local``, ``ray``...) can run anywhere;
:func:`run_suite` hands the pending ones to the executor through a :class:`BenchQueue`, which
appends each record to ``results.jsonl`` as it comes.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from autobyteus_bench.results import append_result, read_results, task_slug
from autobyteus_bench.scoring import SKIPPED, score_json, score_workspace
from autobyteus_bench.tasks import BenchTask

if TYPE_CHECKING:
    from autobyteus_core import (
        Application,
        Executor,
        LLMIntegration,
        RunState,
        Workflow,
        WorkflowEvent,
    )

    Listener = Callable[[WorkflowEvent], None]

Arm = Literal["workflow", "direct"]
#: The step whose worth each workflow record measures: the workspace is also scored as it
#: stood when this step began, and the record keeps the step's calls and tokens.
FIX_STEP = "run_tests"
#: A reply re-asked because the first could not be used: the coding steps key it so.
_REASK_KEY = re.compile(r"/attempt-([2-9]|\d{2,})$")
_REJECTED = "no usable reply for"


@dataclass(frozen=True)
class BenchConfig:
    """What every task of a run shares: the model, the workflow, the settings, the folder.

    ``model`` is a ``provider:model`` id or a ready integration (tests; it cannot leave this
    process); ``model_id`` names it in the records.
    """

    model: str | LLMIntegration
    model_id: str
    out: Path
    workflow: str | None = None
    settings_file: Path | None = None
    #: Which code runs the tasks (see :func:`~autobyteus_bench.provenance.code_version`).
    code: str = ""


def workspace_of(config: BenchConfig, task: BenchTask, arm: Arm) -> Path:
    """Where ``task`` runs for ``arm``; its run store is in its ``.autobyteus/runs``."""
    return config.out / "workspaces" / arm / task_slug(task.id)


def _fresh_workspace(config: BenchConfig, task: BenchTask, arm: Arm) -> Path:
    """An empty workspace (what an unfinished earlier attempt left is removed), with the
    settings file and the task's starting files."""
    root = workspace_of(config, task, arm)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    if config.settings_file is not None:
        shutil.copyfile(config.settings_file, root / "autobyteus.toml")
    for path, text in task.start.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def _build(app: Application, config: BenchConfig, arm: Arm, root: Path) -> Any:
    from autobyteus_core import AutobyteusSettings, Workflow, find_workflow

    settings = AutobyteusSettings.load(root)
    if arm == "direct":
        from autobyteus_bench.direct import DirectAnswerStep

        return Workflow.from_steps(
            [DirectAnswerStep], name="bench_direct", app=app, workspace=root,
            settings=settings, model=config.model,
        )  # fmt: skip
    definition = find_workflow(app, config.workflow or settings.workflow)
    return Workflow(definition, app=app, workspace=root, settings=settings, model=config.model)


def well_formed(run: RunState) -> bool:
    """Whether every reply of the run was usable when first given: no re-asked reply, no
    step that gave up on its replies, and no baseline reply read by the fallback."""
    if any(_REASK_KEY.search(exchange.key) for exchange in run.exchanges):
        return False
    for record in run.steps.values():
        if record.error and _REJECTED in record.error:
            return False
        if record.output.get("well_formed") is False:
            return False
    return bool(run.exchanges)


class _BeforeFixes:
    """A listener copying the workspace aside when the fix step first starts."""

    def __init__(self, root: Path, into: Path) -> None:
        self.root, self.into = root, into
        self.taken = False

    def __call__(self, event: WorkflowEvent) -> None:
        from autobyteus_core import EventType

        if self.taken or event.type is not EventType.STEP_STARTED:
            return
        if event.data.get("step") == FIX_STEP:
            shutil.copytree(self.root, self.into, symlinks=True,
                            ignore=shutil.ignore_patterns(*SKIPPED))  # fmt: skip
            self.taken = True


def fix_step_usage(run: RunState) -> tuple[int, int]:
    """Calls and tokens of the run's fix steps (0, 0 without one)."""
    records = [r for r in run.steps.values() if r.step == FIX_STEP]
    return sum(r.usage.calls for r in records), sum(r.usage.total_tokens for r in records)


def generated_tests_passed(run: RunState) -> bool | None:
    """Whether the run's own generated tests passed at the end (None: the run has no
    ``run_tests`` step, or never got to it)."""
    for record in run.steps.values():
        if record.step == "run_tests" and record.status.value in ("succeeded", "failed"):
            return record.status.value == "succeeded"
    return None


async def run_task(
    task: BenchTask, arm: Arm, config: BenchConfig, app: Application
) -> dict[str, Any]:
    """Run ``task`` for ``arm`` with ``app`` in a fresh workspace, score it, and return its
    record; a workflow's record also scores the workspace as it stood when the fix step
    began (``hidden_passed_before_fixes``, None if the run never got there), which says what
    the fix loop's calls (``fix_calls``, ``fix_tokens``) bought."""
    from autobyteus_core import AutobyteusError

    started = time.monotonic()
    root = _fresh_workspace(config, task, arm)
    record: dict[str, Any] = {"task": task.id, "arm": arm, "model": config.model_id,
                              "workspace": str(root), "code": config.code}  # fmt: skip
    run: RunState | None = None
    with tempfile.TemporaryDirectory(prefix="autobyteus-bench-before-fixes-") as scratch:
        before = _BeforeFixes(root, Path(scratch) / "workspace")
        try:
            flow = _build(app, config, arm, root)
            if arm == "workflow":
                flow.add_listener(before)
            run = await flow.start(task.requirement)
        except AutobyteusError as exc:
            record["error"] = str(exc)
        if run is not None:
            fix_calls, fix_tokens = fix_step_usage(run)
            record.update(
                run_id=run.run_id,
                status=run.status.value,
                error=run.error,
                well_formed=well_formed(run),
                generated_tests_passed=generated_tests_passed(run),
                calls=run.usage.calls,
                prompt_tokens=run.usage.prompt_tokens,
                completion_tokens=run.usage.completion_tokens,
                cost_usd=run.usage.cost_usd,
                fix_calls=fix_calls,
                fix_tokens=fix_tokens,
            )
        else:
            record.update(status="failed", well_formed=False, generated_tests_passed=None,
                          calls=0, prompt_tokens=0, completion_tokens=0, cost_usd=None,
                          fix_calls=0, fix_tokens=0)  # fmt: skip
        record.update(score_json(await score_workspace(task, root)))
        record["wall_s"] = round(time.monotonic() - started, 3)
        # Scored after the wall time is taken: the measurement is the bench's, not the arm's.
        record["hidden_passed_before_fixes"] = (
            (await score_workspace(task, before.into)).passed if before.taken else None
        )
    return record


def pending(
    tasks: Sequence[BenchTask], arms: Sequence[Arm], out: Path
) -> list[tuple[BenchTask, Arm]]:
    """The (task, arm) pairs ``out`` has no finished record of, in suite order."""
    done = (
        {(r["task"], r["arm"]) for r in read_results(out)}
        if (out / "results.jsonl").exists()
        else set()
    )
    return [(task, arm) for task in tasks for arm in arms if (task.id, arm) not in done]


@dataclass(frozen=True)
class BenchResult:
    """What one :class:`BenchWork` ended with: its record, or why it has none."""

    id: str
    record: dict[str, Any] | None
    lost: str | None = None


@dataclass(frozen=True)
class BenchWork:
    """One (task, arm) as work for an executor: plain values, so it can run in a worker."""

    task: BenchTask
    arm: Arm
    config: BenchConfig

    @property
    def id(self) -> str:
        """``arm/task``."""
        return f"{self.arm}/{self.task.id}"

    async def run(
        self,
        app: Application,
        *,
        listeners: Sequence[Listener] = (),
        on_workflow: Callable[[Workflow], None] | None = None,
    ) -> BenchResult:
        """:func:`run_task` (a bench task's workflow is stopped by cancelling it, so it
        neither listens nor is tracked)."""
        return BenchResult(self.id, await run_task(self.task, self.arm, self.config, app))

    def lost(self, message: str) -> BenchResult:
        """No record: a rerun runs the task again."""
        return BenchResult(self.id, None, message)


class BenchQueue:
    """The pending (task, arm) pairs as a :class:`WorkQueue`: each record is appended to
    ``out/results.jsonl`` as it comes; work that ended without a record is kept in :attr:`lost` and
    left for the next run."""

    def __init__(
        self,
        work: Iterable[BenchWork],
        app: Application,
        out: Path,
        *,
        jobs: int = 1,
        address: str | None = None,
        on_result: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """A queue of ``work`` whose records go to ``out``."""
        self.app = app
        self.out = out
        self.jobs = max(1, jobs)
        self.address = address
        self.records: list[dict[str, Any]] = []
        self.lost: list[BenchResult] = []
        self._pending = deque(work)
        #: How many pairs the queue started with.
        self.total = len(self._pending)
        self._on_result = on_result
        self._lock = threading.Lock()
        self._cancelled = False

    def next(self) -> BenchWork | None:
        """The next pair to run, None once all are taken or the queue is cancelled."""
        with self._lock:
            if self._cancelled or not self._pending:
                return None
            return self._pending.popleft()

    def finished(self, result: BenchResult) -> None:
        """Append the record (flushed to disk), or keep what was lost."""
        with self._lock:
            if result.record is None:
                self.lost.append(result)
                return
            append_result(self.out, result.record)
            self.records.append(result.record)
        if self._on_result is not None:
            self._on_result(result.record)

    def listeners(self, work: BenchWork) -> list[Listener]:
        """None: the bench shows records, not events."""
        return []

    def track(self, work: BenchWork, workflow: Workflow) -> None:
        """Nothing: a bench task is stopped by cancelling it."""

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Start nothing more (the executor stops what runs elsewhere)."""
        self._cancelled = True


def bench_queue(
    tasks: Sequence[BenchTask],
    arms: Sequence[Arm],
    config: BenchConfig,
    app: Application,
    *,
    jobs: int = 1,
    address: str | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> BenchQueue:
    """The queue of every (task, arm) of ``tasks`` that ``config.out`` has no record of."""
    work = [BenchWork(task, arm, config) for task, arm in pending(tasks, arms, config.out)]
    return BenchQueue(work, app, config.out, jobs=jobs, address=address, on_result=on_result)


async def run_queue(queue: BenchQueue, executor: Executor) -> BenchQueue:
    """Let ``executor`` run ``queue``, then close the application's LLM clients."""
    try:
        await executor.run(queue)
    finally:
        await queue.app.llm.aclose()
    return queue


async def run_suite(
    tasks: Sequence[BenchTask],
    arms: Sequence[Arm],
    config: BenchConfig,
    app: Application,
    *,
    jobs: int = 1,
    executor: str = "local",
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every pending (task, arm) of ``tasks`` on ``executor``, at most ``jobs`` at once,
    appending each record to ``results.jsonl`` as it finishes; returns the new records."""
    queue = bench_queue(tasks, arms, config, app, jobs=jobs, on_result=on_result)
    await run_queue(queue, app.executors.get(executor))
    return queue.records
