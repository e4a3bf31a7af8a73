"""The class report: one line per student."""

from __future__ import annotations

from gradebook.roster import Roster


def report(roster: Roster) -> str:
    """``name: average`` for each student in alphabetical order, the average with one decimal."""
    lines = [f"{name}: {roster.student(name).average():.1f}" for name in roster.names()]
    return "\n".join(lines)
