"""Which workspace type a folder gets and why: every candidate, the rule that matched, the winner.

:func:`detect_workspace_type` decides; this module explains the same decision for
``autobyteus workspace``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autobyteus_core.registry import PluginOrigin
from autobyteus_core.workspace.workspace_setting import detect_workspace_type
from autobyteus_core.workspace.workspace_type import WorkspaceType


@dataclass(frozen=True)
class Candidate:
    """One registered workspace type, as seen from one folder."""

    workspace_type: WorkspaceType
    origin: PluginOrigin
    matched: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        kind = self.workspace_type
        return {
            "name": kind.name,
            "priority": kind.priority,
            "detect_files": list(kind.detect_files),
            "matched": list(self.matched),
            "default_for_empty": kind.default_for_empty,
            "plugin": self.origin.plugin,
            "distribution": self.origin.distribution,
        }


@dataclass(frozen=True)
class WorkspaceChoice:
    """The type a folder gets (None when no type applies), the rule that chose it, and every
    candidate, highest priority first."""

    root: Path
    chosen: Candidate | None
    rule: str
    candidates: tuple[Candidate, ...]

    def to_dict(self, test_command: list[str]) -> dict[str, Any]:
        """JSON-ready form, as ``autobyteus workspace --json`` prints it."""
        kind = self.chosen.workspace_type if self.chosen else None
        return {
            "root": str(self.root),
            "exists": self.root.is_dir(),
            "type": kind.name if kind else None,
            "rule": self.rule,
            "test_command": test_command,
            "test_framework": kind.test_framework if kind else None,
            "test_file_pattern": kind.test_file_pattern if kind else None,
            "plugin": self.chosen.origin.plugin if self.chosen else None,
            "candidates": [c.to_dict() for c in self.candidates],
        }


def choose_workspace_type(
    root: Path, registered: list[tuple[WorkspaceType, PluginOrigin]]
) -> WorkspaceChoice:
    """Explain :func:`detect_workspace_type`'s decision for the folder ``root``."""
    candidates = tuple(
        Candidate(kind, origin, tuple(n for n in kind.detect_files if (root / n).exists()))
        for kind, origin in sorted(registered, key=lambda r: (-r[0].priority, r[0].name))
    )
    winner = detect_workspace_type(root, [c.workspace_type for c in candidates])
    chosen = next((c for c in candidates if c.workspace_type is winner), None)
    if chosen is None:
        rule = "no registered workspace type detects this folder and none is a default"
    elif chosen.matched:
        rule = (
            f"{', '.join(chosen.matched)} {'is' if len(chosen.matched) == 1 else 'are'} present, "
            f"and no type of a higher priority detects the folder (priority {chosen.workspace_type.priority})"
        )
    else:
        rule = (
            "no type detects the folder, and this one is the highest-priority default "
            f"(default_for_empty, priority {chosen.workspace_type.priority})"
        )
    return WorkspaceChoice(root=root, chosen=chosen, rule=rule, candidates=candidates)
