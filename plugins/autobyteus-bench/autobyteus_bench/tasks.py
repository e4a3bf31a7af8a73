"""One benchmark task: what the workflow is asked, and how its workspace is scored."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

#: ``pytest``: hidden pytest files run against the workspace; ``humaneval``: a problem's own
#: ``check(candidate)`` run against the function the workspace defines.
ScoringKind = Literal["pytest", "humaneval"]


@dataclass(frozen=True)
class BenchTask:
    """A requirement, an optional starting package, and the hidden checks of one task.

    ``hidden`` maps a file name to its text (pytest files, or the humaneval check program);
    ``start`` maps a workspace path to the text copied in before the run (brownfield tasks).
    ``entry_point`` and ``module`` are what a ``humaneval`` check calls.
    """

    id: str
    requirement: str
    scoring: ScoringKind
    hidden: dict[str, str]
    start: dict[str, str] = field(default_factory=dict)
    module: str = "solution"
    entry_point: str = ""


def read_tree(root: Path) -> dict[str, str]:
    """Every file under ``root``, by its POSIX path relative to ``root`` (caches left out)."""
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return files
