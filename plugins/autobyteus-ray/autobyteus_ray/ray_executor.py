"""The ``ray`` executor: every item of a batch a Ray task running its workflow with
``asyncio.run`` in a Ray worker process.

``--jobs`` bounds the tasks in flight (``ray.wait``) and sets each task's CPU request to the
cluster's CPUs divided by ``--jobs`` (at most one), so that many items fit at once: an item
mostly waits on its LLM. A task whose worker dies is retried by Ray (``max_retries``) and
resumes from the item's run store, so the calls it had recorded are not paid again; our own
exceptions come back as results and are never retried. Without ``--address`` a local Ray
instance is started for the batch and stopped after it.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

from autobyteus_core import BatchQueue, Executor, error_result, run_item_in_process

if TYPE_CHECKING:
    from autobyteus_core import ItemResult, ItemTask

#: How often Ray re-runs an item whose worker process died (a lost node, OOM, a crash).
MAX_RETRIES = 3
#: How long one ``ray.wait`` blocks, which is how soon a cancelled batch is noticed.
POLL_S = 0.2


class RayExecutor(Executor):
    """Items as Ray tasks on a cluster (``--address``) or on a local instance."""

    name = "ray"
    description = "Each item a Ray task (--address: an existing cluster; else a local instance)"
    uses_address = True

    async def run(self, batch: BatchQueue) -> None:
        """Connect (or start), run every task, disconnect (or stop)."""
        await asyncio.to_thread(self._run, batch)

    def _run(self, batch: BatchQueue) -> None:
        import ray

        connected_here = not ray.is_initialized()
        if connected_here:
            ray.init(**init_options(batch.address, batch.jobs))
        try:
            self._drive(ray, batch)
        finally:
            if connected_here:
                ray.shutdown()

    def _drive(self, ray: Any, batch: BatchQueue) -> None:
        remote = ray.remote(run_item_in_process).options(
            max_retries=MAX_RETRIES,
            retry_exceptions=False,
            num_cpus=cpus_per_task(ray.cluster_resources().get("CPU", 1.0), batch.jobs),
        )
        in_flight: dict[Any, ItemTask] = {}
        while True:
            if batch.cancelled:
                for ref in in_flight:
                    ray.cancel(ref, force=True)  # the run stores keep what was paid
                return
            while len(in_flight) < batch.jobs and (task := batch.next()) is not None:
                in_flight[remote.remote(task)] = task
            if not in_flight:
                return
            done, _ = ray.wait(list(in_flight), num_returns=1, timeout=POLL_S)
            for ref in done:
                task = in_flight.pop(ref)
                batch.finished(_result(ray, ref, task))


def init_options(address: str | None, jobs: int, **extra: Any) -> dict[str, Any]:
    """``ray.init`` options: connect to ``address``, or start a local instance that listens on
    127.0.0.1 only and keeps ``jobs`` idle workers alive (Ray's default keeps one per CPU and
    kills the others after a second idle, so each wave of items would pay worker start-up and
    imports again); no dashboard, worker logs left in Ray's session folder."""
    options: dict[str, Any] = {
        "address": address,
        "include_dashboard": False,
        "log_to_driver": False,
        "configure_logging": False,
        **extra,
    }
    if address is None:
        options["_node_ip_address"] = "127.0.0.1"
        options["_system_config"] = {"num_workers_soft_limit": max(1, jobs)}
    return options


def cpus_per_task(cluster_cpus: float, jobs: int) -> float:
    """The CPU request of one item: the cluster's CPUs shared by ``jobs`` items, at most one
    (rounded down to Ray's 0.0001 resolution)."""
    share = min(1.0, cluster_cpus / max(1, jobs))
    return max(0.0001, math.floor(share * 10_000) / 10_000)


def _result(ray: Any, ref: Any, task: ItemTask) -> ItemResult:
    try:
        result: ItemResult = ray.get(ref)
    except ray.exceptions.RayError as exc:  # retries used up, or the cluster went away
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return error_result(
            task.id,
            task.workspace,
            f"the Ray task was lost after {MAX_RETRIES} retries: {first}; run the batch "
            "again to resume it",
        )
    return result
