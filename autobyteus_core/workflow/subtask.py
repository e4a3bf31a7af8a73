"""One subtask of an architecture design: what to build, where, and what it depends on."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Subtask(BaseModel):
    """A parsed ``#task start#`` … ``#task end#`` block."""

    number: int
    title: str = ""
    objective: str = ""
    files: list[str] = Field(default_factory=list)
    functionality: str = ""
    integration_points: str = ""
    depends_on: list[int] = Field(default_factory=list)
    raw: str = ""

    @property
    def id(self) -> str:
        """A stable id such as ``task-3``, used in call keys and events."""
        return f"task-{self.number}"
