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

    def weighted_average(self, weights: dict[str, float]) -> float:
        """The weighted mean of the category means, over the categories with scores."""
        used = {category: scores for category, scores in self.scores.items() if scores}
        total = sum(mean(scores) * weights[category] for category, scores in used.items())
        weight = sum(weights[category] for category in used)
        return total / weight if weight else 0.0


class Roster:
    """The students of a class, by name."""

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        if weights is not None and any(weight <= 0 for weight in weights.values()):
            raise ValueError(f"every weight must be greater than 0, got {weights}")
        self.weights = dict(weights) if weights is not None else None
        self._students: dict[str, Student] = {}

    def add_score(self, name: str, category: str, score: float) -> None:
        """Record ``score`` for the student ``name`` (added on first use) in ``category``."""
        if not 0 <= score <= 100:
            raise ValueError(f"a score is from 0 to 100, got {score}")
        if self.weights is not None and category not in self.weights:
            raise ValueError(f"the roster has no weight for the category {category!r}")
        student = self._students.setdefault(name, Student(name))
        student.scores.setdefault(category, []).append(float(score))

    def student(self, name: str) -> Student:
        """The student ``name``; KeyError when there is none."""
        return self._students[name]

    def names(self) -> list[str]:
        """The students' names in alphabetical order."""
        return sorted(self._students)
