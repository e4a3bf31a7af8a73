"""Units of implementation work: a subtask, or a run of consecutive subtasks writing one file.

Small models often plan one subtask per function, all in the same module. Done one by one, each
subtask costs a call that rewrites the whole file (and some replies return it unchanged); done
together, one prompt shows every subtask of that file and one reply writes it. Only runs of
*consecutive* subtasks with the same single file are merged, so the dependency graph between
units stays acyclic. Later subtasks on the same file, after other work, still update it as a
whole, with its current content shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autobyteus_coding_steps.outputs import Subtask


@dataclass(frozen=True)
class WorkUnit:
    """One or more subtasks implemented by the same prompts."""

    tasks: tuple[Subtask, ...]

    @property
    def id(self) -> str:
        """``task-3``, or ``task-3..5`` for merged subtasks (used in call keys and records)."""
        first, last = self.tasks[0], self.tasks[-1]
        return first.id if first is last else f"{first.id}..{last.number}"

    @property
    def files(self) -> list[str]:
        """The planned files (the same for every merged subtask)."""
        return list(self.tasks[0].files)

    @property
    def label(self) -> str:
        """``Task 3`` or ``Tasks 3, 4 and 5``, for prompts."""
        numbers = [str(task.number) for task in self.tasks]
        if len(numbers) == 1:
            return f"Task {numbers[0]}"
        return f"Tasks {', '.join(numbers[:-1])} and {numbers[-1]}"

    def depends_on(self) -> list[int]:
        """Subtask numbers outside the unit that its subtasks depend on."""
        mine = {task.number for task in self.tasks}
        return sorted({dep for task in self.tasks for dep in task.depends_on} - mine)


def work_units(subtasks: Sequence[Subtask], *, merge_same_file: bool) -> list[WorkUnit]:
    """``subtasks`` in order as units; with ``merge_same_file``, consecutive subtasks planned
    for the same single file form one unit."""
    units: list[list[Subtask]] = []
    for task in subtasks:
        previous = units[-1][-1] if units else None
        if (
            merge_same_file
            and previous is not None
            and len(task.files) == 1
            and task.files == previous.files
        ):
            units[-1].append(task)
        else:
            units.append([task])
    return [WorkUnit(tuple(group)) for group in units]


def unit_dependencies(units: Sequence[WorkUnit]) -> dict[str, list[str]]:
    """Unit id → ids of the units it waits for."""
    owner = {task.number: unit.id for unit in units for task in unit.tasks}
    return {
        unit.id: sorted(
            {owner[n] for n in unit.depends_on() if n in owner}, key=list(owner.values()).index
        )
        for unit in units
    }
