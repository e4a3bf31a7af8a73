"""Running tasks: :func:`run_task` turns one task and arm into one result record.

``run_task`` is self-contained (a task and a :class:`BenchConfig` in, a JSON-ready record out,
its own fresh workspace) so an executor can run it anywhere; :func:`run_suite` only schedules
it, skips what ``results.jsonl`` already holds and appends each record as it comes.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from autobyteus_bench.results import append_result, read_results, task_slug
from autobyteus_bench.scoring import score_json, score_workspace
from autobyteus_bench.tasks import BenchTask

if TYPE_CHECKING:
    from autobyteus_core import Application, LLMIntegration, RunState

Arm = Literal["workflow", "direct"]
#: A reply re-asked because the first could not be used: the coding steps key it so.
_REASK_KEY = re.compile(r"/attempt-([2-9]|\d{2,})$")
_REJECTED = "no usable reply for"


@dataclass(frozen=True)
class BenchConfig:
    """What every task of a run shares: the model, the workflow, the settings, the folder.

    ``model`` is a ``provider:model`` id or a ready integration (tests); ``model_id`` names it
    in the records.
    """

    app: Application
    model: str | LLMIntegration
    model_id: str
    out: Path
    workflow: str | None = None
    settings_file: Path | None = None


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


def _build(config: BenchConfig, task: BenchTask, arm: Arm, root: Path) -> Any:
    from autobyteus_core import AutobyteusSettings, Workflow, find_workflow

    settings = AutobyteusSettings.load(root)
    if arm == "direct":
        from autobyteus_bench.direct import DirectAnswerStep

        return Workflow.from_steps(
            [DirectAnswerStep], name="bench_direct", app=config.app, workspace=root,
            settings=settings, model=config.model,
        )  # fmt: skip
    definition = find_workflow(config.app, config.workflow or settings.workflow)
    return Workflow(
        definition, app=config.app, workspace=root, settings=settings, model=config.model
    )


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


def generated_tests_passed(run: RunState) -> bool | None:
    """Whether the run's own generated tests passed at the end (None: the run has no
    ``run_tests`` step, or never got to it)."""
    for record in run.steps.values():
        if record.step == "run_tests" and record.status.value in ("succeeded", "failed"):
            return record.status.value == "succeeded"
    return None


async def run_task(task: BenchTask, arm: Arm, config: BenchConfig) -> dict[str, Any]:
    """Run ``task`` for ``arm`` in a fresh workspace, score it, and return its record."""
    from autobyteus_core import AutobyteusError

    started = time.monotonic()
    root = _fresh_workspace(config, task, arm)
    record: dict[str, Any] = {"task": task.id, "arm": arm, "model": config.model_id,
                              "workspace": str(root)}  # fmt: skip
    run: RunState | None = None
    try:
        flow = _build(config, task, arm, root)
        run = await flow.start(task.requirement)
    except AutobyteusError as exc:
        record["error"] = str(exc)
    if run is not None:
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
        )
    else:
        record.update(status="failed", well_formed=False, generated_tests_passed=None,
                      calls=0, prompt_tokens=0, completion_tokens=0, cost_usd=None)  # fmt: skip
    record.update(score_json(await score_workspace(task, root)))
    record["wall_s"] = round(time.monotonic() - started, 3)
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


async def run_suite(
    tasks: Sequence[BenchTask],
    arms: Sequence[Arm],
    config: BenchConfig,
    *,
    jobs: int = 1,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every pending (task, arm) of ``tasks``, at most ``jobs`` at once, appending each
    record to ``results.jsonl`` as it finishes; returns the new records."""
    todo = pending(tasks, arms, config.out)
    limit = asyncio.Semaphore(max(1, jobs))
    finished: list[dict[str, Any]] = []

    async def one(task: BenchTask, arm: Arm) -> None:
        async with limit:
            record = await run_task(task, arm, config)
        append_result(config.out, record)
        finished.append(record)
        if on_result is not None:
            on_result(record)

    try:
        await asyncio.gather(*(one(task, arm) for task, arm in todo))
    finally:
        await config.app.llm.aclose()
    return finished
