"""Batch: many items of a few independent subtasks each, local and Ray executors, 300 ms/reply.

Every item is the default coding workflow without its ``run_tests`` step (a workflow file of
the other four steps: its pytest subprocesses measure Python, not autobyteus) through the
``openai`` plugin (real SDK, real HTTP) against the testing kit's loopback OpenAI-compatible
server, which waits ``--latency`` seconds before every reply; replies are synthesised from the
prompts (``_synthetic_project.py``). The server runs in a child process (``_server_process.py``),
as a real endpoint runs elsewhere; ``--server-in-process`` puts it in this process, where its CPU
adds to what is measured (the figures before 2026-12-02 06:00 were taken that way). Each item's workspace holds its own ``autobyteus.toml``
(the server's URL), so Ray's workers read the same settings as this process.

Measured: the wall time of the batch with the ``local`` executor (in this process) and with the
``ray`` executor (a local Ray instance with ``--cpus`` CPUs, started once; one untimed warm-up
batch first so its workers exist), each against the ideal: the critical path of one item
(requirement, plan, then modules and tests in rounds of ``--max-concurrency``) times
``ceil(items / jobs)``. Ray's per-item overhead is measured per item: the time from
submitting its task to having its result, minus the item's own wall time inside the worker;
the difference of the two batches' wall times per wave of ``jobs`` items is printed too.

Goals: local within 1.2x of the ideal with ``--jobs 16``; Ray's per-item overhead under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import _synthetic_project as project
from _common import header, verdict
from _server_process import InProcessServer, ServerProcess
from autobyteus_ray.ray_executor import init_options

from autobyteus_core import (
    Application,
    BatchObserver,
    BatchOptions,
    BatchRunner,
    ItemResult,
    ItemTask,
    SpecItem,
)

#: The loopback server, in this process (``--server-in-process``) or in a child process.
Server = InProcessServer | ServerProcess

LOCAL_GOAL = 1.2
RAY_OVERHEAD_GOAL_S = 0.05
MODEL = "gpt-4o-mini"
WORKFLOW = """name = "coding_without_tests_run"
[steps.requirement]
step = "requirement"
[steps.architecture_design]
step = "architecture_design"
[steps.implementation]
step = "implementation"
[steps.test_generation]
step = "test_generation"
"""


def ideal_seconds(items: int, jobs: int, subtasks: int, concurrency: int, latency: float) -> float:
    """Critical path of one item's LLM latency, times the waves of ``jobs`` items."""
    per_item = (2 + 2 * math.ceil(subtasks / concurrency)) * latency
    return per_item * math.ceil(items / jobs)


def prepare(root: Path, items: int, subtasks: int, server: Server) -> list[SpecItem]:
    """Item workspaces with their settings, and the spec items naming them."""
    extra = f'[openai]\nbase_url = "{server.url}"\napi_key = "sk-benchmark"\n'
    spec = []
    for number in range(items):
        workspace = root / f"item-{number:03d}"
        project.write_workspace_config(workspace, subtasks, extra=extra)
        spec.append(
            SpecItem(id=workspace.name, requirement=project.requirement(subtasks),
                     workspace=workspace)
        )  # fmt: skip
    return spec


class SubmitTimes(BatchObserver):
    """When each item was handed to the executor, and when its result came back."""

    def __init__(self) -> None:
        self.handed: dict[str, float] = {}
        self.ended: dict[str, float] = {}

    def item_started(self, task: ItemTask) -> None:
        """Note the hand-out."""
        self.handed[task.id] = time.perf_counter()

    def item_finished(self, result: ItemResult) -> None:
        """Note the result."""
        self.ended[result.id] = time.perf_counter()


async def run_batch(
    root: Path, server: Server, executor: str, args: argparse.Namespace, address: str | None
) -> tuple[float, float, list[ItemResult], SubmitTimes]:
    """One batch, timed (wall and this process's CPU seconds); every item must succeed with
    the expected number of calls."""
    server.script(args.subtasks)
    workflow = root.parent / "workflow.toml"
    workflow.write_text(WORKFLOW, encoding="utf-8")
    items = prepare(root, args.items, args.subtasks, server)
    app = Application()
    times = SubmitTimes()
    runner = BatchRunner(
        items,
        BatchOptions(
            out=root, jobs=args.jobs, model=f"openai:{MODEL}", workflow=str(workflow),
            max_concurrency=args.max_concurrency, address=address,
        ),
        app=app,
        observer=times,
    )  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    try:
        outcome = await runner.run(app.executors.get(executor))
    finally:
        await app.llm.aclose()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    bad = [r for r in outcome.results if r.status != "succeeded"]
    if bad:
        raise SystemExit(f"{executor}: {len(bad)} items did not succeed: {bad[0].error}")
    expected = args.items * project.llm_calls(args.subtasks)
    calls = server.completion_requests()
    if calls != expected:
        raise SystemExit(f"{executor}: expected {expected} requests, the server got {calls}")
    return wall, cpu, outcome.results, times


def overheads(results: list[ItemResult], times: SubmitTimes) -> list[float]:
    """Per item: from its hand-out to its result, minus its own wall time in the worker."""
    return [times.ended[r.id] - times.handed[r.id] - r.wall_s for r in results]


async def main(args: argparse.Namespace) -> None:
    """Measure and print."""
    header(
        f"batch: {args.items} items x {args.subtasks} independent subtasks, --jobs {args.jobs}, "
        f"max-concurrency {args.max_concurrency}, loopback server {args.latency * 1000:.0f} ms "
        f"({'in this process' if args.server_in_process else 'in a child process'})"
    )
    ideal = ideal_seconds(args.items, args.jobs, args.subtasks, args.max_concurrency, args.latency)
    walls: dict[str, list[float]] = {name: [] for name in args.executors}
    cpus: dict[str, list[float]] = {name: [] for name in args.executors}
    spent_by: dict[str, list[float]] = {name: [] for name in args.executors}
    address = start_ray(args) if "ray" in args.executors else None
    try:
        kind = InProcessServer if args.server_in_process else ServerProcess
        serving = kind([MODEL])
        with serving as server, tempfile.TemporaryDirectory() as tmp:
            scratch = Path(tmp)
            # Warm-up, untimed: imports here, Ray's worker processes and their imports there.
            for executor in args.executors:
                where = address if executor == "ray" else None
                await run_batch(scratch / f"warm-{executor}", server, executor, args, where)
            server.set_latency(args.latency)
            for index in range(args.rounds):
                for executor in args.executors:
                    where = address if executor == "ray" else None
                    wall, cpu, results, times = await run_batch(
                        scratch / f"{executor}-{index}", server, executor, args, where
                    )
                    walls[executor].append(wall)
                    cpus[executor].append(cpu)
                    spent = overheads(results, times)
                    spent_by[executor].extend(spent)
                    print(
                        f"  round {index + 1}, {executor:5}: {wall:.2f} s "
                        f"({wall / ideal:.2f}x ideal), {cpu:.2f} s CPU in this process, "
                        f"per-item hand-out to result beyond the item's own wall: median "
                        f"{statistics.median(spent) * 1000:.1f} ms"
                    )
    finally:
        if address is not None:
            import ray

            ray.shutdown()
    summarise(args, ideal, walls, cpus, spent_by)


def start_ray(args: argparse.Namespace) -> str:
    """A local Ray instance with ``--cpus`` CPUs; its address."""
    import ray

    cold = time.perf_counter()
    context = ray.init(**init_options(None, args.jobs, num_cpus=args.cpus))
    print(
        f"ray: local instance with {args.cpus} CPUs started in {time.perf_counter() - cold:.1f} s"
    )
    return str(context.address_info["gcs_address"])


def summarise(
    args: argparse.Namespace,
    ideal: float,
    walls: dict[str, list[float]],
    cpus: dict[str, list[float]],
    spent_by: dict[str, list[float]],
) -> None:
    """The medians, the goals and the SUMMARY line."""
    medians = {name: statistics.median(values) for name, values in walls.items()}
    print(
        f"ideal {ideal:.2f} s; "
        + "; ".join(
            f"{name} median {wall:.2f} s ({wall / ideal:.2f}x), "
            f"{statistics.median(cpus[name]):.2f} s CPU"
            for name, wall in medians.items()
        )
    )
    parts = []
    if "local" in medians:
        local = medians["local"]
        parts.append(
            f"local {local:.2f} s ({local / ideal:.2f}x ideal {ideal:.2f} s; goal <= "
            f"{LOCAL_GOAL}x: {verdict(local / ideal <= LOCAL_GOAL)})"
        )
    if "ray" in medians:
        on_ray = medians["ray"]
        parts.append(f"ray ({args.cpus} CPUs) {on_ray:.2f} s ({on_ray / ideal:.2f}x)")
    if "ray" in medians and "local" in medians:
        waves = math.ceil(args.items / args.jobs)
        ray_overheads = spent_by["ray"]
        per_item = statistics.median(ray_overheads)
        local_per_item = statistics.median(spent_by["local"])
        over = per_item - local_per_item
        print(
            f"ray over local: {(medians['ray'] - medians['local']) / waves * 1000:.0f} ms per "
            f"wave of {args.jobs} items; per item (hand-out to result minus own wall) ray "
            f"{per_item * 1000:.1f} ms, local {local_per_item * 1000:.1f} ms, p90 ray "
            f"{statistics.quantiles(ray_overheads, n=10)[-1] * 1000:.1f} ms"
        )
        parts[-1] += (
            f"; Ray's per-item overhead over local {over * 1000:.1f} ms (goal < "
            f"{RAY_OVERHEAD_GOAL_S * 1000:.0f} ms: {verdict(over < RAY_OVERHEAD_GOAL_S)})"
        )
    print(
        f"SUMMARY batch: {args.items} items x {args.subtasks} subtasks at "
        f"{args.latency * 1000:.0f} ms/reply, --jobs {args.jobs}: " + ", ".join(parts)
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, default=64, help="items in the batch")
    parser.add_argument("--subtasks", type=int, default=4, help="independent subtasks per item")
    parser.add_argument("--jobs", type=int, default=16, help="items at once")
    parser.add_argument("--max-concurrency", type=int, default=4, help="subtasks at once")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per reply")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray instance")
    parser.add_argument("--rounds", type=int, default=2, help="timed batches per executor")
    parser.add_argument("--quick", action="store_true", help="4 items x 2 subtasks, 50 ms")
    parser.add_argument(
        "--executors",
        type=lambda text: [name for name in text.split(",") if name],
        default=["local", "ray"],
        help="comma-separated executors to measure (local,ray; `local` alone starts no Ray)",
    )
    parser.add_argument(
        "--server-in-process",
        action="store_true",
        help="run the loopback server in this process (its CPU then counts as ours)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.items, args.subtasks, args.jobs, args.latency, args.rounds = 4, 2, 2, 0.05, 1
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args(sys.argv[1:])))
