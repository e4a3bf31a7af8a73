"""The ``ray`` executor: every item of work (a batch's item, a bench's task) a Ray task
running it with ``asyncio.run`` in a Ray worker process.

``--jobs`` bounds the tasks in flight (``ray.wait``) and sets each task's CPU request to the
cluster's CPUs divided by ``--jobs`` (at most one), so that many items fit at once: an item
mostly waits on its LLM. A task whose worker dies is retried by Ray (``max_retries``) and
resumes from the item's run store, so the calls it had recorded are not paid again (a bench
task starts afresh); our own exceptions come back as results and are never retried. Without
``--address`` a local Ray instance is started for the command and stopped after it.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

from autobyteus_core import Executor, WorkQueue, run_work_in_process

if TYPE_CHECKING:
    from autobyteus_core import Work

#: How often Ray re-runs an item whose worker process died (a lost node, OOM, a crash).
MAX_RETRIES = 3
#: How long one ``ray.wait`` blocks, which is how soon a cancelled queue is noticed.
POLL_S = 0.2


class RayExecutor(Executor):
    """Items as Ray tasks on a cluster (``--address``) or on a local instance."""

    name = "ray"
    description = "Each item a Ray task (--address: an existing cluster; else a local instance)"
    uses_address = True

    async def run(self, queue: WorkQueue) -> None:
        """Connect (or start), run every task, disconnect (or stop)."""
        driving = asyncio.ensure_future(asyncio.to_thread(self._run, queue))
        try:
            await asyncio.shield(driving)
        except asyncio.CancelledError:
            # The caller cancelled the queue first: the thread stops its tasks within POLL_S.
            await driving
            raise

    def _run(self, queue: WorkQueue) -> None:
        import ray

        connected_here = not ray.is_initialized()
        if connected_here:
            ray.init(**init_options(queue.address, queue.jobs))
        try:
            self._drive(ray, queue)
        finally:
            if connected_here:
                ray.shutdown()

    def _drive(self, ray: Any, queue: WorkQueue) -> None:
        remote = ray.remote(run_work_in_process).options(
            max_retries=MAX_RETRIES,
            retry_exceptions=False,
            num_cpus=cpus_per_task(ray.cluster_resources().get("CPU", 1.0), queue.jobs),
        )
        in_flight: dict[Any, Work[Any]] = {}
        while True:
            if queue.cancelled:
                for ref in in_flight:
                    ray.cancel(ref, force=True)  # the run stores keep what was paid
                return
            while len(in_flight) < queue.jobs and (work := queue.next()) is not None:
                in_flight[remote.remote(work)] = work
            if not in_flight:
                return
            done, _ = ray.wait(list(in_flight), num_returns=1, timeout=POLL_S)
            for ref in done:
                queue.finished(_result(ray, ref, in_flight.pop(ref)))


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


def _result(ray: Any, ref: Any, work: Work[Any]) -> Any:
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:  # retries used up, or the cluster went away
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return work.lost(
            f"the Ray task was lost after {MAX_RETRIES} retries: {first}; run the same "
            "command again to go on"
        )
