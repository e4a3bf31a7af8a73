"""The ``local`` executor: every item a concurrent asyncio task in this process."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from autobyteus_core.batch.executor import Executor, WorkQueue

if TYPE_CHECKING:
    from autobyteus_core.batch.executor import Work


class LocalExecutor(Executor):
    """Items run as asyncio tasks sharing this process's application, so every LLM call
    still goes through its provider's limiter; ``--jobs`` bounds how many run at once."""

    name = "local"
    description = "Items as concurrent asyncio tasks in this process (--jobs at once)"

    async def run(self, queue: WorkQueue) -> None:
        """Keep ``queue.jobs`` items running until the queue is empty; cancelled, cancel them."""

        async def one(work: Work[Any]) -> None:
            result = await work.run(
                queue.app,
                listeners=queue.listeners(work),
                on_workflow=lambda workflow: queue.track(work, workflow),
            )
            queue.finished(result)

        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                while len(running) < queue.jobs and (work := queue.next()) is not None:
                    running.add(asyncio.create_task(one(work), name=f"work {work.id}"))
                if not running:
                    return
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for finished in done:
                    finished.result()  # work returns our errors as results: this is a bug
        except asyncio.CancelledError:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise
