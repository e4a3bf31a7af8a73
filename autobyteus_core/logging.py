"""Logging with structlog: readable console lines on a TTY, JSON lines otherwise or on request.

Inside a workflow, loggers are bound with ``run_id`` and ``step``. A processor redacts anything
that looks like a secret (``SecretStr`` values, keys named like ``api_key``/``token``/``password``)
so no secret reaches a log line.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, FilteringBoundLogger, WrappedLogger

_SECRET_KEY_MARKERS = ("api_key", "apikey", "token", "password", "secret", "authorization")
REDACTED = "**********"


def redact_secrets(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: replace secret-looking values with a fixed mask."""
    from pydantic import SecretBytes, SecretStr

    for key, value in list(event_dict.items()):
        lowered = key.lower()
        if isinstance(value, (SecretStr, SecretBytes)) or (
            any(marker in lowered for marker in _SECRET_KEY_MARKERS)
            and value
            and "tokens" not in lowered
        ):
            event_dict[key] = REDACTED
    return event_dict


def configure_logging(log_format: str | None = None, level: str = "INFO") -> None:
    """Set up structlog: ``"json"`` for JSON lines, ``"console"`` for people; ``None`` picks
    console on a TTY and JSON otherwise. Logs go to standard error."""
    if log_format is None:
        log_format = "console" if sys.stderr.isatty() else "json"
    renderer: Any
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
            if hasattr(logging, "getLevelNamesMapping")
            else logging.getLevelName(level.upper())
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(**bindings: Any) -> FilteringBoundLogger:
    """A structlog logger bound with ``bindings`` (e.g. ``run_id=..., step=...``)."""
    logger: FilteringBoundLogger = structlog.get_logger("autobyteus").bind(**bindings)
    return logger
