"""Logging with structlog: readable console lines on a TTY, JSON lines otherwise or on request.

Logs go to standard error (standard output is for command results such as ``--json``). Inside a
workflow, loggers are bound with ``run_id`` and ``step``. A processor redacts secrets before any
renderer sees them: ``SecretStr`` values, values under keys named like ``api_key``, ``token``,
``password`` or ``authorization`` (nested ones too), and API-key and bearer-token look-alikes in
any string.

structlog is imported on first use only (it pulls in asyncio), so the CLI records the wanted
format with :func:`request_logging` and the first :func:`get_logger` call applies it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from structlog.typing import EventDict, FilteringBoundLogger, WrappedLogger

ENV_LOG_FORMAT = "AUTOBYTEUS_LOG_FORMAT"
ENV_LOG_LEVEL = "AUTOBYTEUS_LOG_LEVEL"
LOG_FORMATS = ("console", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
REDACTED = "**********"

_SECRET_KEY_PARTS = (
    "api_key",
    "apikey",
    "password",
    "passwd",
    "secret",
    "authorization",
    "private_key",
    "access_key",
    "credential",
)
_SECRET_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{12,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/\-]{8,}=*"),
)


# Cached: the masking of every recorded message asks it of every environment variable's name.
@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a field or log key named ``key`` holds a secret (``api_key``, ``token``, ...).

    Counters such as ``prompt_tokens`` or ``max_tokens`` are not secrets.
    """
    lowered = key.lower()
    if any(part in lowered for part in _SECRET_KEY_PARTS):
        return True
    return "token" in re.split(r"[^a-z0-9]+", lowered)


def scrub_text(text: str) -> str:
    """``text`` with the known secrets and API-key and bearer-token look-alikes replaced by the
    mask (see :func:`mask_secrets`)."""
    from autobyteus_core.secret_masking import mask_secrets

    text = mask_secrets(text)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def printable_values(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor for console lines: no terminal control sequences in any string (model
    text is logged: a rejected reply's problems quote it). JSON lines escape them anyway."""
    from autobyteus_core.terminal_text import terminal_text

    for key, value in list(event_dict.items()):
        if isinstance(value, str):
            event_dict[key] = terminal_text(value)
        elif isinstance(value, (list, tuple)):
            event_dict[key] = [terminal_text(v) if isinstance(v, str) else v for v in value]
    return event_dict


def redact_value(key: str, value: Any) -> Any:
    """``value`` with every secret in it masked, judging by ``key``, type and content."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if hasattr(value, "get_secret_value"):  # pydantic SecretStr / SecretBytes, without pydantic
        return REDACTED
    if is_secret_key(key):
        return REDACTED if value else value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(key, v) for v in value)
    return value


def redact_secrets(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask every secret in the event (see :func:`redact_value`)."""
    for key, value in list(event_dict.items()):
        event_dict[key] = redact_value(key, value)
    return event_dict


def drop_repeated_fields(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor for people: leave out empty fields and fields whose value the event
    text already shows, so a warning stays one readable line."""
    event = str(event_dict.get("event", ""))
    for key, value in list(event_dict.items()):
        if key in ("event", "level", "timestamp"):
            continue
        if value is None or (isinstance(value, str) and len(value) > 2 and value in event):
            del event_dict[key]
    return event_dict


def _level_number(level: str | None) -> int:
    name = (level or os.environ.get(ENV_LOG_LEVEL) or "INFO").upper()
    number = logging.getLevelName(name)
    return number if isinstance(number, int) else logging.INFO


def _resolve_format(log_format: str | None) -> str:
    chosen = (log_format or os.environ.get(ENV_LOG_FORMAT) or "").strip().lower()
    if chosen in LOG_FORMATS:
        return chosen
    return "console" if sys.stderr.isatty() else "json"


class _StderrLoggerFactory:
    """Print loggers writing to whatever ``sys.stderr`` is when a logger is made (so pytest's
    capture and click's CliRunner see the lines)."""

    def __call__(self, *args: Any) -> Any:
        import structlog

        return structlog.PrintLogger(sys.stderr)


class _LoggingRequest:
    """The format and level asked for by :func:`request_logging`, not applied yet."""

    pending: dict[str, str | None] | None = None


def configure_logging(log_format: str | None = None, level: str | None = None) -> None:
    """Set up structlog now.

    ``log_format`` is ``"json"`` for JSON lines or ``"console"`` for people; None reads
    ``AUTOBYTEUS_LOG_FORMAT`` and otherwise picks console on a TTY and JSON elsewhere. ``level``
    (None: ``AUTOBYTEUS_LOG_LEVEL``, else ``INFO``) is the minimum level shown.
    """
    import structlog

    _LoggingRequest.pending = None
    chosen = _resolve_format(log_format)
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
    ]
    if chosen == "json":
        processors += [
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_secrets,
            structlog.processors.JSONRenderer(),
        ]
    else:
        processors += [
            structlog.processors.TimeStamper(fmt="%H:%M:%S", utc=False),
            redact_secrets,
            printable_values,
            drop_repeated_fields,
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(_level_number(level)),
        logger_factory=_StderrLoggerFactory(),
        cache_logger_on_first_use=False,
    )


def request_logging(log_format: str | None = None, level: str | None = None) -> None:
    """Ask for a format and level without importing structlog; the first :func:`get_logger`
    applies them. Arguments left as None keep what an earlier request said."""
    pending = dict(_LoggingRequest.pending or {})
    if log_format is not None:
        pending["log_format"] = log_format
    if level is not None:
        pending["level"] = level
    _LoggingRequest.pending = pending


def reset_logging() -> None:
    """Forget any requested or applied configuration (tests)."""
    _LoggingRequest.pending = None
    if "structlog" in sys.modules:
        import structlog

        structlog.reset_defaults()


def get_logger(**bindings: Any) -> FilteringBoundLogger:
    """A structlog logger bound with ``bindings`` (e.g. ``run_id=..., step=...``).

    Applies a pending :func:`request_logging`, or the defaults when nothing configured structlog
    yet (an application that configured structlog itself keeps its configuration).
    """
    import structlog

    pending = _LoggingRequest.pending
    if pending is not None:
        configure_logging(pending.get("log_format"), pending.get("level"))
    elif not structlog.is_configured():
        configure_logging()
    logger: FilteringBoundLogger = structlog.get_logger("autobyteus").bind(**bindings)
    return logger
