"""The root of autobyteus's exception hierarchy."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class AutobyteusError(Exception):
    """Base class for every error autobyteus raises on purpose; its message is meant for users."""


class PluginLoadError(AutobyteusError):
    """A plugin failed to import, validate or register.

    Raised in strict mode (otherwise the plugin is skipped with a warning), and by a registry lookup
    whose item was registered by import path (:class:`Deferred`) and could not be loaded.
    """


class ConfigurationError(AutobyteusError):
    """Settings or a workflow configuration are invalid or incomplete."""


def one_line(exc: BaseException) -> str:
    """``ExceptionType: message`` on a single line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def validation_problems(exc: ValidationError, *, whole: str = "(top)", most: int = 0) -> str:
    """A pydantic validation error as ``field.path: message; ...`` for a user (``whole`` names
    an error of the value itself; ``most`` > 0 keeps only the first ``most``)."""
    errors = exc.errors()
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or whole}: {error['msg']}"
        for error in (errors[:most] if most else errors)
    )
