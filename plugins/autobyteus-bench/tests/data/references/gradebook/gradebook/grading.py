"""Letter grades."""

from __future__ import annotations

#: The lowest score of each letter, best first.
BOUNDS = (("A", 90.0), ("B", 80.0), ("C", 70.0), ("D", 60.0))


def letter(score: float) -> str:
    """The letter grade of ``score``."""
    return next((grade for grade, low in BOUNDS if score >= low), "F")
