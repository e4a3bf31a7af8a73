"""The class report: one line per student."""

from __future__ import annotations

from gradebook.grading import letter
from gradebook.roster import Roster


def report(roster: Roster, letters: bool = False) -> str:
    """``name: average`` for each student in alphabetical order, the average with one decimal
    (weighted when the roster has weights), followed by its letter with ``letters``."""
    lines = []
    for name in roster.names():
        student = roster.student(name)
        average = (
            student.weighted_average(roster.weights) if roster.weights else student.average()
        )
        line = f"{name}: {average:.1f}"
        lines.append(f"{line} {letter(average)}" if letters else line)
    return "\n".join(lines)
