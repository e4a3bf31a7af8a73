"""Plugin hook tracing: ``AUTOBYTEUS_TRACE_PLUGINS=1`` logs every hook call.

Each call becomes one structlog line ``plugin hook call`` with the hook name, the plugins whose
implementations ran, a short summary of the arguments and of the result (or the exception), and
the duration in milliseconds. Built on pluggy's hook-call monitoring, so it sees every call made
through the plugin manager, per-plugin calls included.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pluggy
    from pluggy import HookImpl
    from structlog.typing import FilteringBoundLogger

ENV_TRACE = "AUTOBYTEUS_TRACE_PLUGINS"

#: Longest summary of one argument or of a result, in characters.
SUMMARY_LENGTH = 120


def tracing_requested() -> bool:
    """Whether ``AUTOBYTEUS_TRACE_PLUGINS`` asks for hook calls to be logged."""
    return os.environ.get(ENV_TRACE, "").strip().lower() in ("1", "true", "yes", "on")


def summarize(value: Any, limit: int = SUMMARY_LENGTH) -> str:
    """A short, one-line description of ``value`` for a log line: functions and classes by
    name, objects with a ``name`` by their type and name, anything else by a cut ``repr``."""
    if callable(value) and hasattr(value, "__qualname__"):
        kind = "class" if isinstance(value, type) else "function"
        text = f"<{kind} {value.__qualname__}>"
    elif isinstance(getattr(value, "name", None), str) and not isinstance(value, str):
        text = f"<{type(value).__name__} {value.name!r}>"
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class HookTracer:
    """The pair of pluggy monitoring callbacks that time and log each hook call."""

    def __init__(self, logger: FilteringBoundLogger | None = None) -> None:
        """Log to ``logger`` (default: the autobyteus structlog logger)."""
        self._logger = logger
        self._local = threading.local()

    @property
    def logger(self) -> FilteringBoundLogger:
        """The logger lines go to, created on first use."""
        if self._logger is None:
            from autobyteus_core.logging import get_logger

            self._logger = get_logger()
        return self._logger

    def _starts(self) -> list[float]:
        starts: list[float] | None = getattr(self._local, "starts", None)
        if starts is None:
            starts = self._local.starts = []
        return starts

    def before(
        self, hook_name: str, hook_impls: Sequence[HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        """Called by pluggy before a hook call: note the start time (calls may nest)."""
        self._starts().append(time.perf_counter())

    def after(
        self,
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        """Called by pluggy after a hook call: log it with its duration."""
        starts = self._starts()
        started = starts.pop() if starts else time.perf_counter()
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        fields: dict[str, Any] = {
            "hook": hook_name,
            "plugins": [impl.plugin_name for impl in hook_impls],
            "args": {name: summarize(value) for name, value in kwargs.items()},
            "duration_ms": duration_ms,
        }
        if outcome.exception is not None:
            fields["error"] = summarize(outcome.exception)
            self.logger.warning("plugin hook call", **fields)
        else:
            fields["result"] = summarize(outcome.get_result())
            self.logger.info("plugin hook call", **fields)


def enable_tracing(
    pm: pluggy.PluginManager, logger: FilteringBoundLogger | None = None
) -> Callable[[], None]:
    """Log every hook call of ``pm``; returns the function that stops it."""
    tracer = HookTracer(logger)
    return pm.add_hookcall_monitoring(tracer.before, tracer.after)


def trace_from_env(pm: pluggy.PluginManager) -> Callable[[], None] | None:
    """:func:`enable_tracing` when ``AUTOBYTEUS_TRACE_PLUGINS`` is set, else nothing."""
    if not tracing_requested():
        return None
    return enable_tracing(pm)
