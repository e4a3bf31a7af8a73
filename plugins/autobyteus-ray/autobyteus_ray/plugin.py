"""The entry point: registers the ``ray`` executor by import path, so ``ray`` is imported
only when a batch runs on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autobyteus_core import Deferred, hookimpl

if TYPE_CHECKING:
    from autobyteus_core import Executor

AUTOBYTEUS_PLUGIN_API = ">=1.4,<2"


@hookimpl
def register_executors(register: Callable[[Executor | Deferred], None]) -> None:
    """Register ``ray``."""
    register(Deferred("ray", "autobyteus_ray.ray_executor:RayExecutor"))
