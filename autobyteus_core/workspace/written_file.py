"""The record of one file written by the safe writer."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field


class WrittenFile(BaseModel):
    """One change the safe writer made: which file, how big, its hash, and what it replaced.

    ``path`` is relative to the workspace root, with ``/`` separators. ``previous_sha256`` is the
    hash of the content that was replaced (None when the file was created).
    """

    path: str
    bytes: int
    sha256: str
    created: bool
    previous_sha256: str | None = None
    timestamp: float = Field(default_factory=time.time)

    @property
    def changed(self) -> bool:
        """Whether the content on disk differs from what was there before."""
        return self.created or self.previous_sha256 != self.sha256

    @property
    def action(self) -> str:
        """``created``, ``replaced`` or ``unchanged``, for people."""
        if self.created:
            return "created"
        return "replaced" if self.changed else "unchanged"
