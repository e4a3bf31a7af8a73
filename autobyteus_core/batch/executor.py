"""What an executor is: something that runs items of work, at most ``jobs`` at once.

Executors are registered through the ``register_executors`` hook (``local`` comes with the
core). A command hands an executor a :class:`WorkQueue` (``autobyteus batch`` hands its
items, ``autobyteus bench`` its tasks); the executor takes :class:`Work` with
:meth:`WorkQueue.next` until it returns None, runs each (in this process with
:meth:`Work.run`, or elsewhere with :func:`run_work_in_process`) and reports every end with
:meth:`WorkQueue.finished`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.workflow.workflow import Listener, Workflow

R = TypeVar("R", covariant=True)


class Work(Protocol[R]):
    """One item of work: plain, picklable values (an executor may run it in another process)
    that know how to run themselves and what their result is when they could not."""

    @property
    def id(self) -> str:
        """Unique within its queue."""

    async def run(
        self,
        app: Application,
        *,
        listeners: Sequence[Listener] = (),
        on_workflow: Callable[[Workflow], None] | None = None,
    ) -> R:
        """Do the work with ``app``'s registries; our own failures are results, not raises.
        ``listeners`` receive the events of its workflow, ``on_workflow`` the workflow once it
        exists (so cancelling the queue can cancel it)."""

    def lost(self, message: str) -> R:
        """The result of this work when it ended without one (its worker was lost)."""


class WorkQueue(Protocol):
    """The work as an executor sees it. Every method is safe to call from any thread."""

    #: How many items may run at once (``--jobs``).
    jobs: int
    #: ``--address``: where an executor that runs elsewhere finds its cluster (None: start
    #: a local one, or run in this process).
    address: str | None
    #: The application of the command (its registries and LLM providers), for in-process use.
    app: Application

    def next(self) -> Work[Any] | None:
        """The next item to start; None once there is nothing more to start (all taken, a
        budget reached, or the queue cancelled)."""

    def finished(self, result: Any) -> None:
        """Record how an item ended (what its :meth:`Work.run` or :meth:`Work.lost` returned)."""

    def listeners(self, work: Any) -> list[Listener]:
        """Event listeners for an item run in this process (the live progress display)."""

    def track(self, work: Any, workflow: Workflow) -> None:
        """The workflow of an item run in this process, so cancelling the queue cancels it."""

    @property
    def cancelled(self) -> bool:
        """Whether the queue was cancelled (Ctrl-C): stop what runs, start nothing."""


#: The name plugin API 1.2 gave the queue (a batch's items only).
BatchQueue = WorkQueue


class Executor:
    """Runs the work of a :class:`WorkQueue`; subclass it and register an instance (or a
    :class:`~autobyteus_core.deferred.Deferred` naming the class) with ``register_executors``.

    :meth:`run` returns once every item it took has ended or, after the queue was cancelled,
    once what still ran is stopped (a batch resumes such items from their run store, a bench
    starts them again). Cancelling :meth:`run` itself stops what runs in this process; whoever
    does so cancels the queue first, so what runs elsewhere stops too. Exceptions of our own
    code are results, never raised.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: Whether ``--address`` means something to this executor.
    uses_address: ClassVar[bool] = False

    async def run(self, queue: WorkQueue) -> None:
        """Run every item ``queue.next()`` hands out."""
        raise NotImplementedError


_WORKER_APP: Application | None = None


def run_work_in_process(work: Work[R]) -> R:
    """Run ``work`` with ``asyncio.run`` in this process, with one :class:`Application`
    (entry-point plugins) kept for the process: what an executor's worker calls."""
    import asyncio

    from autobyteus_core.app import Application

    global _WORKER_APP
    if _WORKER_APP is None:
        _WORKER_APP = Application()
    app = _WORKER_APP

    async def main() -> R:
        try:
            return await work.run(app)
        finally:
            await app.llm.aclose()  # its clients belong to this event loop

    try:
        return asyncio.run(main())
    except Exception as exc:  # plugin loading, closing clients: still a result, not a raise
        return work.lost(f"unexpected {type(exc).__name__}: {exc}")


#: The name plugin API 1.2 gave it (a batch's items only).
run_item_in_process = run_work_in_process
