"""The ``local`` executor: every item a concurrent asyncio task in this process."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from autobyteus_core.batch.executor import BatchQueue, Executor
from autobyteus_core.batch.item import run_item

if TYPE_CHECKING:
    from autobyteus_core.batch.item import ItemTask


class LocalExecutor(Executor):
    """Items run as asyncio tasks sharing this process's application, so every LLM call
    still goes through its provider's limiter; ``--jobs`` bounds how many run at once."""

    name = "local"
    description = "Items as concurrent asyncio tasks in this process (--jobs at once)"

    async def run(self, batch: BatchQueue) -> None:
        """Keep ``batch.jobs`` items running until the queue is empty."""

        async def one(task: ItemTask) -> None:
            result = await run_item(
                task,
                batch.app,
                listeners=batch.listeners(task),
                on_workflow=lambda workflow: batch.track(task, workflow),
            )
            batch.finished(result)

        running: set[asyncio.Task[None]] = set()
        while True:
            while len(running) < batch.jobs and (task := batch.next()) is not None:
                running.add(asyncio.create_task(one(task), name=f"batch item {task.id}"))
            if not running:
                return
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for finished in done:
                finished.result()  # run_item returns our errors as results: this is a bug
