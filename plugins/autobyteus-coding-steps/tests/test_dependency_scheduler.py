"""Running jobs by their dependency graph with bounded concurrency."""

from __future__ import annotations

import asyncio

import pytest
from autobyteus_coding_steps.scheduling import run_in_dependency_order


class Boom(Exception):
    pass


async def test_dependents_wait_and_independent_jobs_overlap() -> None:
    log: list[str] = []
    running = 0
    peak = 0
    gate = asyncio.Event()

    async def run(key: int) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        log.append(f"start {key}")
        if key in (1, 2):
            # 1 and 2 are independent: each waits until both have started.
            if running == 2:
                gate.set()
            await gate.wait()
        running -= 1
        log.append(f"end {key}")

    outcomes = await run_in_dependency_order([1, 2, 3], {3: [1, 2]}, run, max_concurrency=4)
    assert all(o.status == "succeeded" for o in outcomes.values())
    assert peak == 2
    assert log.index("start 3") > log.index("end 1")
    assert log.index("start 3") > log.index("end 2")


async def test_concurrency_is_bounded() -> None:
    running = 0
    peak = 0

    async def run(key: int) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        for _ in range(5):
            await asyncio.sleep(0)
        running -= 1

    await run_in_dependency_order(list(range(8)), {}, run, max_concurrency=3)
    assert peak == 3


async def test_a_failed_job_skips_its_dependents_only() -> None:
    ran: list[int] = []

    async def run(key: int) -> None:
        if key == 1:
            raise Boom("no")
        ran.append(key)

    outcomes = await run_in_dependency_order(
        [1, 2, 3, 4], {2: [1], 3: [2], 4: []}, run, max_concurrency=2, recoverable=(Boom,)
    )
    assert outcomes[1].status == "failed" and isinstance(outcomes[1].error, Boom)
    assert outcomes[2].status == "skipped" and outcomes[2].blocked_by == (1,)
    assert outcomes[3].status == "skipped" and outcomes[3].blocked_by == (2,)
    assert outcomes[4].status == "succeeded"
    assert ran == [4]


async def test_other_errors_cancel_everything_and_propagate() -> None:
    cancelled: list[int] = []

    async def run(key: int) -> None:
        if key == 1:
            raise RuntimeError("budget")
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(key)
            raise

    with pytest.raises(RuntimeError, match="budget"):
        await run_in_dependency_order([2, 1], {}, run, max_concurrency=2, recoverable=(Boom,))
    assert cancelled == [2]


async def test_forward_and_unknown_dependencies_are_ignored() -> None:
    order: list[int] = []

    async def run(key: int) -> None:
        order.append(key)

    outcomes = await run_in_dependency_order([1, 2], {1: [2, 99], 2: [1]}, run, max_concurrency=1)
    assert order == [1, 2]
    assert all(o.status == "succeeded" for o in outcomes.values())
