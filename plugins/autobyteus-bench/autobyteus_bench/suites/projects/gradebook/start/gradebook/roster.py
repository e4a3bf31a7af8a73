"""Students and the scores they got, by category (``homework``, ``exam``...)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gradebook.stats import mean


@dataclass
class Student:
    """A student's scores (0 to 100), by category."""

    name: str
    scores: dict[str, list[float]] = field(default_factory=dict)

    def all_scores(self) -> list[float]:
        """Every score of every category, in the order they were added per category."""
        return [score for scores in self.scores.values() for score in scores]

    def average(self) -> float:
        """The mean of all the student's scores (0.0 without any)."""
        return mean(self.all_scores())


class Roster:
    """The students of a class, by name."""

    def __init__(self) -> None:
        self._students: dict[str, Student] = {}

    def add_score(self, name: str, category: str, score: float) -> None:
        """Record ``score`` for the student ``name`` (added on first use) in ``category``."""
        if not 0 <= score <= 100:
            raise ValueError(f"a score is from 0 to 100, got {score}")
        student = self._students.setdefault(name, Student(name))
        student.scores.setdefault(category, []).append(float(score))

    def student(self, name: str) -> Student:
        """The student ``name``; KeyError when there is none."""
        return self._students[name]

    def names(self) -> list[str]:
        """The students' names in alphabetical order."""
        return sorted(self._students)
