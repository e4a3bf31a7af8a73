"""Errors raised while loading or filling prompt templates."""

from __future__ import annotations

from autobyteus_core.errors import AutobyteusError


class PromptTemplateError(AutobyteusError):
    """A template could not be found, parsed or rendered."""


class MissingPromptVariableError(PromptTemplateError):
    """Filling a template needed a variable that was not given. ``name`` is the variable."""

    def __init__(self, message: str, name: str) -> None:
        """``message`` for people; ``name`` is the missing variable."""
        super().__init__(message)
        self.name = name
