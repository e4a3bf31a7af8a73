"""Grouping subtasks into units of implementation work."""

from __future__ import annotations

from autobyteus_coding_steps.work_units import unit_dependencies, work_units
from coding_steps_testkit.samples import subtask


def test_consecutive_subtasks_on_one_file_are_merged() -> None:
    tasks = [
        subtask(1, "t/conv.py"),
        subtask(2, "t/conv.py", depends_on=[1]),
        subtask(3, "t/conv.py", depends_on=[2]),
        subtask(4, "t/cli.py", depends_on=[1, 3]),
        subtask(5, "t/conv.py", depends_on=[3, 4]),
        subtask(6, None),
        subtask(7, None),
    ]
    units = work_units(tasks, merge_same_file=True)
    assert [unit.id for unit in units] == ["task-1..3", "task-4", "task-5", "task-6", "task-7"]
    assert units[0].label == "Tasks 1, 2 and 3"
    assert units[1].label == "Task 4"
    assert units[0].depends_on() == []
    assert unit_dependencies(units) == {
        "task-1..3": [],
        "task-4": ["task-1..3"],
        "task-5": ["task-1..3", "task-4"],
        "task-6": [],
        "task-7": [],
    }


def test_without_merging_every_subtask_is_a_unit() -> None:
    tasks = [subtask(1, "a.py"), subtask(2, "a.py", depends_on=[1])]
    units = work_units(tasks, merge_same_file=False)
    assert [unit.id for unit in units] == ["task-1", "task-2"]
    assert unit_dependencies(units) == {"task-1": [], "task-2": ["task-1"]}
