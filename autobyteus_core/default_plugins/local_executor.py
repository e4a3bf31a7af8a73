"""The ``local`` batch executor (imported when a batch first uses it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autobyteus_core import Deferred, hookimpl

if TYPE_CHECKING:
    from autobyteus_core.batch.executor import Executor


@hookimpl
def register_executors(register: Callable[[Executor | Deferred], None]) -> None:
    """Register ``local``: items as concurrent asyncio tasks in this process."""
    register(Deferred("local", "autobyteus_core.batch.local_executor:LocalExecutor"))
