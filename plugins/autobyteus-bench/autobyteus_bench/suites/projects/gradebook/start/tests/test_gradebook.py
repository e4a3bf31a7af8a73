import pytest
from gradebook import Roster, report
from gradebook.stats import mean, median


def test_stats() -> None:
    assert mean([1, 2, 6]) == 3
    assert mean([]) == 0.0
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5


def test_roster_and_report() -> None:
    roster = Roster()
    roster.add_score("bo", "homework", 80)
    roster.add_score("al", "exam", 90)
    roster.add_score("bo", "exam", 71)
    assert roster.names() == ["al", "bo"]
    assert roster.student("bo").average() == 75.5
    assert report(roster) == "al: 90.0\nbo: 75.5"


def test_a_score_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        Roster().add_score("al", "exam", 101)
