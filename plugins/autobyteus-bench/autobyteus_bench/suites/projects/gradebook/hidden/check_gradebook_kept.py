import pytest
from gradebook import Roster, Student, report
from gradebook.stats import mean, median


def test_stats() -> None:
    assert mean([1, 2, 6]) == 3
    assert mean([]) == 0.0
    assert median([]) == 0.0
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5


def test_roster() -> None:
    roster = Roster()
    roster.add_score("bo", "homework", 80)
    roster.add_score("al", "exam", 90)
    roster.add_score("bo", "exam", 71)
    roster.add_score("bo", "quiz", 0)
    assert roster.names() == ["al", "bo"]
    assert roster.student("bo").scores == {"homework": [80.0], "exam": [71.0], "quiz": [0.0]}
    assert roster.student("bo").all_scores() == [80.0, 71.0, 0.0]
    assert roster.student("bo").average() == 50.333333333333336
    with pytest.raises(KeyError):
        roster.student("cy")


@pytest.mark.parametrize("score", [-1, 100.5])
def test_scores_out_of_range_are_refused(score: float) -> None:
    with pytest.raises(ValueError):
        Roster().add_score("al", "exam", score)


def test_the_plain_report_is_unchanged() -> None:
    roster = Roster()
    roster.add_score("bo", "homework", 80)
    roster.add_score("al", "exam", 90)
    roster.add_score("bo", "exam", 71)
    assert report(roster) == "al: 90.0\nbo: 75.5"
    assert report(Roster()) == ""
    assert Student("x").average() == 0.0
