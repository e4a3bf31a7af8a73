import pytest
from gradebook import Roster, letter, report
from gradebook.grading import letter as letter_in_module


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A"), (90, "A"), (89.99, "B"), (80, "B"), (79.5, "C"), (70, "C"), (60, "D"),
     (59.99, "F"), (0, "F")],
)  # fmt: skip
def test_letter(score: float, grade: str) -> None:
    assert letter(score) == grade
    assert letter_in_module(score) == grade


def weighted() -> Roster:
    roster = Roster({"homework": 1, "exam": 3})
    roster.add_score("cy", "homework", 80)
    roster.add_score("cy", "homework", 100)
    roster.add_score("cy", "exam", 60)
    roster.add_score("al", "exam", 95)
    return roster


def test_weighted_average() -> None:
    roster = weighted()
    assert roster.student("cy").weighted_average({"homework": 1, "exam": 3}) == 67.5
    # only the categories the student has scores in count
    assert roster.student("al").weighted_average({"homework": 1, "exam": 3}) == 95
    assert roster.student("cy").weighted_average({"homework": 1, "exam": 1, "quiz": 5}) == 75
    with pytest.raises(KeyError):
        roster.student("cy").weighted_average({"exam": 1})


def test_a_student_without_scores_has_a_weighted_average_of_zero() -> None:
    from gradebook import Student

    assert Student("nobody").weighted_average({"exam": 1}) == 0.0


def test_roster_weights_are_checked() -> None:
    assert Roster().weights is None
    assert weighted().weights == {"homework": 1, "exam": 3}
    with pytest.raises(ValueError):
        Roster({"exam": 0})
    with pytest.raises(ValueError):
        Roster({"exam": 1, "homework": -2})
    with pytest.raises(ValueError):
        weighted().add_score("al", "quiz", 50)


def test_report_with_weights_and_letters() -> None:
    assert report(weighted()) == "al: 95.0\ncy: 67.5"
    assert report(weighted(), letters=True) == "al: 95.0 A\ncy: 67.5 D"


def test_report_letters_use_the_unrounded_average() -> None:
    roster = Roster()
    roster.add_score("al", "exam", 89.96)
    assert report(roster) == "al: 90.0"
    assert report(roster, letters=True) == "al: 90.0 B"
