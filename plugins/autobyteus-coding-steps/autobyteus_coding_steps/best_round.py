"""The fix loop's safety net: the generated files of the round whose tests passed most, put
back when the rounds end with the tests still failing.

A small model's generated tests often expect what the requirement never said; "fixing" correct
code to match them makes it worse. Whatever the rounds did, the project is left as it was in
its best round, judged by the only evidence the run has: how many tests passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autobyteus_coding_steps.workspace_files import read_existing
from autobyteus_core import WorkspaceError

if TYPE_CHECKING:
    from autobyteus_core import WorkflowContext


def _current(context: WorkflowContext, path: str) -> str | None:
    try:
        return read_existing(context.workspace, path)
    except WorkspaceError:
        return None


_PASSED = re.compile(r"\b(\d+) passed\b")
_FAILED = re.compile(r"\b(\d+) (?:failed|errors?)\b")


def round_score(counts: str) -> tuple[int, int]:
    """``(passed, -failed)`` from pytest's final counts (``3 passed, 1 failed``): higher is
    better; a round that never reached the tests (the import check failed) scores lowest."""
    if not counts:
        return (-1, 0)
    passed = sum(int(n) for n in _PASSED.findall(counts))
    failed = sum(int(n) for n in _FAILED.findall(counts))
    return (passed, -failed)


@dataclass
class BestRound:
    """The files of the best round seen so far (the earliest of equally good ones)."""

    round: int = -1
    score: tuple[int, int] = (-2, 0)
    files: dict[str, str] = field(default_factory=dict)

    def offer(self, context: WorkflowContext, round_number: int, counts: str) -> None:
        """Remember the current generated files when round ``round_number`` scored better."""
        score = round_score(counts)
        if score <= self.score:
            return
        self.round, self.score, self.files = round_number, score, {}
        for path in dict.fromkeys(context.state.files_written):
            content = _current(context, path)
            if content is not None:
                self.files[path] = content

    def restore(self, context: WorkflowContext) -> list[str]:
        """Write back every remembered file that differs now; the paths written."""
        restored = []
        for path, content in self.files.items():
            if _current(context, path) != content:
                context.write_file(path, content)
                restored.append(path)
        return restored
