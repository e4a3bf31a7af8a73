"""What a step has finished, kept in the run's state so that a resumed step skips it.

A step that fails or is interrupted half-way (a crash, a budget stop, a provider outage) keeps a
record of each unit of work it finished — a subtask, a test file — with the SHA-256 of every file
that unit wrote. When the engine runs the step again on resume, a unit whose files are still
exactly as written is skipped: no LLM call is made for it, not even a replayed one (its prompt
would differ anyway, since the file it wrote now exists). A step that succeeds clears its record,
so running it again on purpose redoes the work.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from autobyteus_coding_steps.workspace_files import file_bytes

if TYPE_CHECKING:
    from autobyteus_core import WorkflowContext

#: The key of this plugin's room in ``state.data``.
STATE_KEY = "autobyteus_coding_steps"


class StepProgress:
    """The finished units of the running step (``state.data[STATE_KEY][step_id]["done"]``)."""

    def __init__(self, context: WorkflowContext) -> None:
        """Bind to ``context``'s state and step."""
        self._context = context
        room: dict[str, Any] = context.state.data.setdefault(STATE_KEY, {})
        mine: dict[str, Any] = room.setdefault(context.step_id, {})
        self._done: dict[str, dict[str, str]] = mine.setdefault("done", {})
        self._written: list[str] = mine.setdefault("written", [])

    def _sha256(self, path: str) -> str | None:
        data = file_bytes(self._context.workspace, path)
        return None if data is None else hashlib.sha256(data).hexdigest()

    def finished_files(self, unit: str) -> list[str] | None:
        """The files ``unit`` wrote when it finished before, if every one is still as written."""
        files = self._done.get(unit)
        if files is None:
            return None
        if all(self._sha256(path) == digest for path, digest in files.items()):
            return list(files)
        return None

    async def finish(self, unit: str, files: dict[str, str]) -> None:
        """Record that ``unit`` finished, writing ``files`` (path → SHA-256), and have the run
        saved (not waited for: a unit not yet saved as finished when the run is killed takes
        its recorded reply on resume, since its files hold what the reply says)."""
        self._done[unit] = dict(files)
        await self._context.checkpoint(wait=False)

    def clear(self) -> None:
        """Forget every finished unit (the step succeeded as a whole)."""
        self._done.clear()

    def wrote(self, path: str) -> None:
        """Remember that this step wrote ``path`` (kept even when the step succeeds)."""
        if path not in self._written:
            self._written.append(path)

    @property
    def written(self) -> set[str]:
        """Every file this step has written, in any execution of this run."""
        return set(self._written)
