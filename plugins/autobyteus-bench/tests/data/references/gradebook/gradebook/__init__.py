"""Scores of a class of students, and the report of their averages."""

from gradebook.grading import letter
from gradebook.report import report
from gradebook.roster import Roster, Student

__all__ = ["Roster", "Student", "letter", "report"]
