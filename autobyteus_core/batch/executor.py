"""What an executor is: something that runs a batch's items, at most ``jobs`` at once.

Executors are registered through the ``register_executors`` hook (``local`` comes with the
core). The batch hands an executor a :class:`BatchQueue`; the executor takes tasks with
:meth:`BatchQueue.next` until it returns None, runs each (in this process with
:func:`~autobyteus_core.batch.item.run_item`, or elsewhere with
:func:`~autobyteus_core.batch.item.run_item_in_process`) and reports every end with
:meth:`BatchQueue.finished`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.batch.item import ItemResult, ItemTask
    from autobyteus_core.workflow.workflow import Listener, Workflow


class BatchQueue(Protocol):
    """The batch as an executor sees it. Every method is safe to call from any thread."""

    #: How many items may run at once (``--jobs``).
    jobs: int
    #: ``--address``: where an executor that runs elsewhere finds its cluster (None: start
    #: a local one, or run in this process).
    address: str | None
    #: The application of the command (its registries and LLM providers), for in-process use.
    app: Application

    def next(self) -> ItemTask | None:
        """The next item to start; None once there is nothing more to start (all taken, the
        batch budget reached, or the batch cancelled)."""

    def finished(self, result: ItemResult) -> None:
        """Record how an item ended (written to ``results.jsonl`` at once)."""

    def listeners(self, task: ItemTask) -> list[Listener]:
        """Event listeners for an item run in this process (the live progress display)."""

    def track(self, task: ItemTask, workflow: Workflow) -> None:
        """The workflow of an item run in this process, so cancelling the batch cancels it."""

    @property
    def cancelled(self) -> bool:
        """Whether the batch was cancelled (Ctrl-C): stop what runs, start nothing."""


class Executor:
    """Runs the tasks of a :class:`BatchQueue`; subclass it and register an instance (or a
    :class:`~autobyteus_core.deferred.Deferred` naming the class) with ``register_executors``.

    :meth:`run` returns once every task it took has ended or, after the batch was cancelled,
    once what still ran is stopped (items stopped without a result are resumed from their run
    store by the next run of the batch). Exceptions of our own code are results, never raised.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: Whether ``--address`` means something to this executor.
    uses_address: ClassVar[bool] = False

    async def run(self, batch: BatchQueue) -> None:
        """Run every task ``batch.next()`` hands out."""
        raise NotImplementedError
