"""Orchestration overhead: N independent subtasks through the default workflow, zero-latency LLM.

The LLM is the testing kit's in-process :class:`ScriptedLLM`, answering instantly with replies
synthesised from the prompts (``_synthetic_project.py``): a requirement document, a plan of N
independent subtasks (one module each), each module, and one trivial pytest file per module.
Everything else is real: the ``automated_coding`` workflow of the ``autobyteus-coding-steps``
plugin, prompt rendering, reply parsing, the safe writer, the run record (``state.json``
fsynced, ``transcript.jsonl``).

The ``run_tests`` step's subprocesses (import check, pytest) are neutralised by a workspace type
without a test command (the step is skipped): they measure Python and pytest, not autobyteus.
``--with-tests`` adds one run with the real python workspace type, printed apart.

Printed: wall and CPU time of a cold run (the first in this process: step modules imported,
templates compiled) and of warm runs, time per subtask; peak traced memory (tracemalloc, in
separate runs since tracing slows Python down); the memory kept per subtask while the run object
lives (the slope between a run of N/2 and one of N subtasks, the scripted LLM's own log of calls
left out) against what the run record takes per subtask, as JSON and as the objects its JSON
reads back into; what is left once the run object is gone.

Goal: under 2 s in total for 200 subtasks; memory does not grow per subtask beyond the stored
results: what a live run keeps per subtask is at most 1.25x what its own record takes as
objects, and less than 1 KiB per subtask is left once it is released.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import _synthetic_project as project
from _common import header, ms, verdict

from autobyteus_core import Application, AutomatedCodingWorkflow, Message, RunState, WorkflowStatus
from autobyteus_core.testing import ScriptedLLM

GOAL_TOTAL_S = 2.0
#: Memory goal: what a live run keeps per subtask, at most this many times what its own record
#: takes once read back from its JSON (the stored results as objects, nothing else).
MEMORY_FACTOR = 1.25


@dataclass
class Timing:
    """Wall and CPU seconds of one run."""

    wall: float
    cpu: float


def _last_user(messages: Sequence[Message]) -> str:
    return next(m.content for m in reversed(messages) if m.role == "user")


def scripted_llm(count: int) -> ScriptedLLM:
    """The zero-latency LLM of one run of ``count`` subtasks."""
    llm = ScriptedLLM(model_id="scripted:overhead")
    for pattern, reply in project.reply_rules(count):
        if callable(reply):
            llm.on(pattern, lambda messages, reply=reply: reply(_last_user(messages)))
        else:
            llm.on(pattern, reply)
    return llm


def make_workflow(
    count: int, workspace: Path, *, real_tests: bool = False
) -> tuple[AutomatedCodingWorkflow, ScriptedLLM]:
    """A fresh application and default workflow for ``count`` subtasks in ``workspace``."""
    project.write_workspace_config(workspace, count)
    app = Application()
    if not real_tests:
        app.add_plugin(project.NoTestsWorkspace(), "benchmark_no_tests")
    llm = scripted_llm(count)
    return AutomatedCodingWorkflow(app=app, workspace=workspace, model=llm), llm


async def run_once(
    count: int, workspace: Path, *, real_tests: bool = False
) -> tuple[Timing, AutomatedCodingWorkflow]:
    """Run the workflow once; its timing and the finished workflow (whose scripted LLM has
    forgotten its calls, so only what autobyteus keeps stays alive)."""
    flow, llm = make_workflow(count, workspace, real_tests=real_tests)
    wall, cpu = time.perf_counter(), time.process_time()
    run = await flow.start(requirement=project.requirement(count))
    timing = Timing(time.perf_counter() - wall, time.process_time() - cpu)
    if run.status is not WorkflowStatus.SUCCEEDED:
        raise SystemExit(f"the run did not succeed: {run.status.value}: {run.error}")
    if len(llm.calls) != project.llm_calls(count):
        raise SystemExit(
            f"expected {project.llm_calls(count)} LLM calls, the run made {len(llm.calls)}"
        )
    llm.calls.clear()
    return timing, flow


def fresh_dir(parent: Path, name: str) -> Path:
    """An empty folder ``parent/name``."""
    path = parent / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def stored_bytes(flow: AutomatedCodingWorkflow) -> int:
    """Bytes of the run record: its whole JSON (state, files and LLM exchanges)."""
    return len(flow.to_json().encode("utf-8"))


def record_object_bytes(flow: AutomatedCodingWorkflow) -> int:
    """Traced bytes the run record takes as objects: its JSON read back into a ``RunState``
    (tracing must be on)."""
    text = flow.to_json()
    gc.collect()
    before, _ = tracemalloc.get_traced_memory()
    record = RunState.model_validate_json(text)
    after, _ = tracemalloc.get_traced_memory()
    del record
    return after - before


async def measure_memory(count: int, scratch: Path, rounds: int = 2) -> dict[str, float]:
    """Peak and retained traced memory of runs of ``count // 2`` and ``count`` subtasks.

    The pair is measured ``rounds`` times and each figure's smallest value kept: the
    interpreter grows some tables of its own once in a while (interned names, caches), and a
    round in which that happens reports it as if the run had kept it.
    """
    measured = [await _measure_memory_once(count, scratch, index) for index in range(rounds)]
    return {key: min(result[key] for result in measured) for key in measured[0]}


async def _measure_memory_once(count: int, scratch: Path, index: int) -> dict[str, float]:
    results: dict[str, float] = {}
    retained: dict[int, int] = {}
    stored: dict[int, int] = {}
    as_objects: dict[int, int] = {}
    sizes = (max(1, count // 2), count)
    for size in sizes:
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        _, flow = await run_once(size, fresh_dir(scratch, f"mem-{index}-{size}"))
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        retained[size] = current - base
        stored[size] = stored_bytes(flow)
        as_objects[size] = record_object_bytes(flow)
        del flow
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results[f"peak_{size}"] = peak - base
        results[f"left_{size}"] = after - base
    small, large = sizes
    step = max(1, large - small)
    results["retained_per_subtask"] = (retained[large] - retained[small]) / step
    results["stored_per_subtask"] = (stored[large] - stored[small]) / step
    results["record_objects_per_subtask"] = (as_objects[large] - as_objects[small]) / step
    results["left_per_subtask"] = (results[f"left_{large}"] - results[f"left_{small}"]) / step
    return results


async def main(count: int, warm_runs: int, with_tests: bool) -> None:
    """Measure and print."""
    header(f"overhead: {count} subtasks through the default workflow, zero-latency LLM")
    print(f"LLM calls per run: {project.llm_calls(count)}; run_tests neutralised (no test command)")
    with tempfile.TemporaryDirectory(prefix="autobyteus-overhead-") as tmp:
        scratch = Path(tmp)
        cold, flow = await run_once(count, fresh_dir(scratch, "cold"))
        del flow
        warm: list[Timing] = []
        for index in range(warm_runs):
            timing, flow = await run_once(count, fresh_dir(scratch, f"warm-{index}"))
            warm.append(timing)
            del flow
        best = min(warm, key=lambda t: t.wall) if warm else cold
        print(
            f"cold run (first in process): {cold.wall:.2f} s wall, {cold.cpu:.2f} s CPU, "
            f"{ms(cold.wall / count)} per subtask"
        )
        if warm:
            walls = ", ".join(f"{t.wall:.2f} s" for t in warm)
            print(
                f"warm runs: {walls}; best {best.wall:.2f} s wall, {best.cpu:.2f} s CPU, "
                f"{ms(best.wall / count)} per subtask"
            )
        memory = await measure_memory(count, scratch)
        half = max(1, count // 2)
        print(
            f"peak traced memory: {memory[f'peak_{count}'] / 1e6:.1f} MB for {count} subtasks "
            f"({memory[f'peak_{half}'] / 1e6:.1f} MB for {half})"
        )
        print(
            f"memory kept per subtask while the run lives: "
            f"{memory['retained_per_subtask'] / 1024:.1f} KiB; the run record stores "
            f"{memory['stored_per_subtask'] / 1024:.1f} KiB per subtask as JSON, "
            f"{memory['record_objects_per_subtask'] / 1024:.1f} KiB once read back as objects"
        )
        print(
            f"memory left once the run object is released: "
            f"{memory[f'left_{count}'] / 1024:.0f} KiB "
            f"({memory['left_per_subtask']:.0f} B per subtask)"
        )
        if with_tests:
            timing, flow = await run_once(count, fresh_dir(scratch, "tests"), real_tests=True)
            print(
                f"with the real run_tests step (import check + pytest subprocesses): "
                f"{timing.wall:.2f} s wall, {timing.cpu:.2f} s CPU in this process"
            )
            del flow
    time_met = cold.wall < GOAL_TOTAL_S
    memory_met = (
        memory["retained_per_subtask"] <= MEMORY_FACTOR * memory["record_objects_per_subtask"]
        and memory["left_per_subtask"] < 1024
    )
    print(
        f"SUMMARY overhead: {count} subtasks in {cold.wall:.2f} s cold / {best.wall:.2f} s warm "
        f"({ms(cold.wall / count)} per subtask; goal < {GOAL_TOTAL_S:g} s: {verdict(time_met)}), "
        f"peak {memory[f'peak_{count}'] / 1e6:.1f} MB, "
        f"{memory['retained_per_subtask'] / 1024:.1f} KiB kept per subtask vs "
        f"{memory['record_objects_per_subtask'] / 1024:.1f} KiB its record takes as objects "
        f"({memory['stored_per_subtask'] / 1024:.1f} KiB as JSON; memory goal: "
        f"{verdict(memory_met)})"
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--subtasks", type=int, default=200, help="subtasks per run")
    parser.add_argument("--warm-runs", type=int, default=2, help="runs after the cold one")
    parser.add_argument(
        "--with-tests", action="store_true", help="also time a run with the real run_tests step"
    )
    parser.add_argument("--quick", action="store_true", help="10 subtasks, no warm runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.subtasks, args.warm_runs = 10, 0
    return args


if __name__ == "__main__":
    options = parse_args(sys.argv[1:])
    asyncio.run(main(options.subtasks, options.warm_runs, options.with_tests))
