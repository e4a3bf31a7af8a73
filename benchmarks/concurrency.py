"""Concurrency: N independent subtasks through the openai plugin, 300 ms per reply.

The default workflow runs in this process with the ``openai`` provider of
``autobyteus-openai`` (the real SDK, real HTTP) against the testing kit's loopback
OpenAI-compatible server, which waits ``--latency`` seconds before every reply. Replies are
synthesised from the prompts (``_synthetic_project.py``): a plan of N subtasks that mention no
other, one module each, one trivial test file per module. The ``run_tests`` step is neutralised
(a workspace type without a test command): its subprocesses do not wait on the LLM.

Runs with ``--max-concurrency 1`` and ``N`` alternate (after one untimed warm-up run that pays
the imports). The ideal is the critical path of LLM latency: requirement, plan, then the
modules and the tests in rounds of ``max_concurrency`` — ``(2 + 2 * ceil(N / c)) * latency``.
Printed: each run's wall time, the medians, their ratio to the ideal, and the speed-up.

Goal: within 1.25x of the ideal with 16.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import _synthetic_project as project
from _common import header, verdict
from autobyteus_openai.testing import OpenAIServer

from autobyteus_core import Application, AutobyteusSettings, AutomatedCodingWorkflow, WorkflowStatus

GOAL_RATIO = 1.25
MODEL = "gpt-4o-mini"


def ideal_seconds(count: int, concurrency: int, latency: float) -> float:
    """The critical path of LLM latency for a run of ``count`` independent subtasks."""
    rounds = math.ceil(count / concurrency)
    return (2 + 2 * rounds) * latency


@dataclass
class RunTiming:
    """Wall time of one run, and when (seconds after its start) the server saw each kind of
    request arrive."""

    wall: float
    arrivals: dict[str, list[float]]


async def run_once(
    server: OpenAIServer, count: int, concurrency: int, workspace: Path
) -> RunTiming:
    """One run of the default workflow, timed."""
    server.reset()
    project.script_server(server, count)
    shutil.rmtree(workspace, ignore_errors=True)
    project.write_workspace_config(
        workspace,
        count,
        extra=f'[openai]\nbase_url = "{server.url}"\napi_key = "sk-benchmark"\n',
    )
    app = Application()
    app.add_plugin(project.NoTestsWorkspace(), "benchmark_no_tests")
    settings = AutobyteusSettings.load(workspace)
    flow = AutomatedCodingWorkflow(
        app=app,
        workspace=workspace,
        settings=settings,
        model=f"openai:{MODEL}",
        max_concurrency=concurrency,
    )
    started = time.monotonic()
    try:
        run = await flow.start(requirement=project.requirement(count))
    finally:
        await app.llm.aclose()
    elapsed = time.monotonic() - started
    if run.status is not WorkflowStatus.SUCCEEDED:
        raise SystemExit(f"the run did not succeed: {run.status.value}: {run.error}")
    calls = len(server.completion_requests)
    if calls != project.llm_calls(count):
        raise SystemExit(f"expected {project.llm_calls(count)} requests, the server got {calls}")
    arrivals: dict[str, list[float]] = {name: [] for name in project.PHASES}
    for request in server.completion_requests:
        arrivals.setdefault(project.phase_of(request.prompt), []).append(request.time - started)
    return RunTiming(elapsed, arrivals)


def breakdown(timing: RunTiming, latency: float) -> str:
    """Where a run's time went beyond the LLM's latency, from the server's arrival log: the
    time before the first request, between the last reply of a phase and the first request
    of the next, and how long each phase took to send all its requests."""
    parts = []
    ready = 0.0
    for name in project.PHASES:
        times = timing.arrivals.get(name) or []
        if not times:
            continue
        parts.append(
            f"{name}: {min(times) - ready:+.2f} s before, sent over {max(times) - min(times):.2f} s"
        )
        ready = max(times) + latency
    parts.append(f"after the last reply: {timing.wall - ready:.2f} s")
    return "; ".join(parts)


async def main(count: int, latency: float, rounds: int) -> None:
    """Measure and print."""
    header(
        f"concurrency: {count} independent subtasks, openai plugin, loopback server "
        f"{latency * 1000:.0f} ms per reply"
    )
    levels = (1, count)
    walls: dict[int, list[float]] = {level: [] for level in levels}
    concurrent: list[RunTiming] = []
    with OpenAIServer(models=[MODEL]) as server, tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        await run_once(server, 2, 2, scratch / "warm-up")
        server.latency_s = latency
        for index in range(rounds):
            for level in levels:
                timing = await run_once(server, count, level, scratch / f"c{level}-{index}")
                walls[level].append(timing.wall)
                print(f"  run {index + 1}, max-concurrency {level:2}: {timing.wall:.2f} s")
                if level == count:
                    concurrent.append(timing)
    ratios = {}
    for level in levels:
        wall = statistics.median(walls[level])
        ideal = ideal_seconds(count, level, latency)
        ratios[level] = wall / ideal
        print(
            f"max-concurrency {level:2}: median {wall:.2f} s, ideal {ideal:.2f} s, "
            f"{ratios[level]:.2f}x ideal"
        )
    print(f"where the runs with {count} spent their time beyond latency (from the server log):")
    for index, timing in enumerate(concurrent, start=1):
        print(f"  run {index}: {breakdown(timing, latency)}")
    low, high = (statistics.median(walls[level]) for level in levels)
    print(f"speed-up from 1 to {count}: {low / high:.1f}x")
    met = ratios[count] <= GOAL_RATIO
    print(
        f"SUMMARY concurrency: {count} subtasks at {latency * 1000:.0f} ms/reply: "
        f"{low:.2f} s with 1 ({ratios[1]:.2f}x ideal), {high:.2f} s with {count} "
        f"({ratios[count]:.2f}x ideal {ideal_seconds(count, count, latency):.2f} s; "
        f"goal <= {GOAL_RATIO}x: {verdict(met)}), speed-up {low / high:.1f}x"
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--subtasks", type=int, default=16, help="independent subtasks")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per reply")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each level")
    parser.add_argument("--quick", action="store_true", help="4 subtasks, 50 ms, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.subtasks, args.latency, args.rounds = 4, 0.05, 1
    return args


if __name__ == "__main__":
    options = parse_args(sys.argv[1:])
    asyncio.run(main(options.subtasks, options.latency, options.rounds))
