"""Errors raised by the workspace and its safe writer."""

from __future__ import annotations

from autobyteus_core.errors import AutobyteusError


class WorkspaceError(AutobyteusError):
    """The workspace cannot be used as asked."""


class UnsafePathError(WorkspaceError):
    """A path the LLM (or anyone) asked to write was refused: it escapes the workspace, names a
    control folder, a device, an existing directory, or is otherwise unsafe. Nothing was written.

    ``path`` is the path as given and ``reason`` a short explanation, both shown to users and
    fed back to the LLM.
    """

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"refused to write {path!r}: {reason}")
        self.path = path
        self.reason = reason


class FileTooLargeError(UnsafePathError):
    """The content is larger than ``settings.max_file_bytes``."""
