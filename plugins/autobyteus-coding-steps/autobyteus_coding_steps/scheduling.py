"""Running jobs in dependency order, independent ones concurrently, at most N at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class JobOutcome(Generic[K]):
    """How one job ended: ``succeeded``, ``failed`` (with its error) or ``skipped`` (because a
    job it depends on did not succeed; ``blocked_by`` lists those)."""

    key: K
    status: str
    error: BaseException | None = None
    blocked_by: tuple[K, ...] = ()


async def run_in_dependency_order(
    order: Sequence[K],
    depends_on: Mapping[K, Sequence[K]],
    run: Callable[[K], Awaitable[None]],
    *,
    max_concurrency: int,
    recoverable: tuple[type[BaseException], ...] = (),
) -> dict[K, JobOutcome[K]]:
    """Run ``run(key)`` for every key of ``order``; a key waits for the keys it depends on.

    Only dependencies listed earlier in ``order`` count (so the graph cannot have a cycle);
    others are ignored. A job raising one of ``recoverable`` fails alone and the jobs depending
    on it are skipped; any other exception (a budget stop, a cancellation) cancels every job and
    propagates. Returns each key's outcome, in ``order``.
    """
    position = {key: index for index, key in enumerate(order)}
    finished = {key: asyncio.Event() for key in order}
    outcomes: dict[K, JobOutcome[K]] = {}
    slots = asyncio.Semaphore(max(1, max_concurrency))

    async def job(key: K) -> None:
        deps = [d for d in depends_on.get(key, ()) if position.get(d, len(order)) < position[key]]
        for dep in deps:
            await finished[dep].wait()
        blocked = tuple(dep for dep in deps if outcomes[dep].status != "succeeded")
        if blocked:
            outcomes[key] = JobOutcome(key, "skipped", blocked_by=blocked)
        else:
            try:
                async with slots:
                    await run(key)
                outcomes[key] = JobOutcome(key, "succeeded")
            except recoverable as exc:
                outcomes[key] = JobOutcome(key, "failed", error=exc)
        finished[key].set()

    tasks = [asyncio.ensure_future(job(key)) for key in order]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return {key: outcomes[key] for key in order}
