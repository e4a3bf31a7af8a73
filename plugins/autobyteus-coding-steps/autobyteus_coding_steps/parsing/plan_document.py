"""The plan as a document people edit (``plan.md`` in the run folder), in the seed's format.

:func:`format_plan` writes subtasks as ``#### Task N: <title>`` and ``#task start#`` blocks that
:func:`~autobyteus_coding_steps.parsing.tasks.parse_subtasks` reads back to the same subtasks.
:func:`edit_issues` adds what only a person's edit needs checking, because a person writes these
on purpose: a bold field name the parser does not know (it would be read as prose), and a task
using a task that is not listed before it (the order is the dependency order, so that would be a
cycle).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from autobyteus_coding_steps.outputs import Subtask
from autobyteus_coding_steps.parsing.report import ParseIssue
from autobyteus_coding_steps.parsing.tasks import FIELD_NAMES

HEADER = (
    "<!-- The plan, one task per block, run in this order: a task may use only the tasks\n"
    "above it. Edit titles and fields (Objective, File Specification, Functionality Details,\n"
    "Integration Points), add or remove tasks, then save. -->\n"
)

_FIELDS = (
    ("Objective", "objective"),
    ("File Specification", "files"),
    ("Functionality Details", "functionality"),
    ("Integration Points", "integration_points"),
)
# Only at the start of a line: format_plan indents a field's further lines, so text the model
# wrote inside a field (a bold "**Note**:" line, say) is not taken for a field of the person's.
_BOLD_FIELD = re.compile(r"^(?:[-*+]\s+)?\*\*(?P<name>[^*\n]{1,60}?)\*\*\s*[:\uff1a]")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*task\s*(?P<num>\d+)\b", re.IGNORECASE)
_TASK_REF = re.compile(r"\btasks?\s*#?\s*(\d+)", re.IGNORECASE)
_USED_BY = re.compile(r"\bby\s*$", re.IGNORECASE)  # "used by Task 3" is no dependency


def _value(text: str) -> str:
    """A field value on its first line, continuation lines indented (read back as the field)."""
    return "\n  ".join(line.strip() for line in text.strip().split("\n"))


def format_plan(subtasks: Sequence[Subtask]) -> str:
    """``subtasks`` as a plan document in the seed's format."""
    blocks = [HEADER]
    for task in subtasks:
        values = {
            "objective": task.objective,
            "files": ", ".join(f"`{path}`" for path in task.files),
            "functionality": task.functionality,
            "integration_points": task.integration_points,
        }
        lines = [f"#### Task {task.number}: {task.title}".rstrip(), "#task start#"]
        lines += [f"- **{label}**: {_value(values[key])}".rstrip() for label, key in _FIELDS]
        lines.append("#task end#")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def edit_issues(text: str, subtasks: Sequence[Subtask]) -> list[ParseIssue]:
    """Fatal issues of an edited plan ``text`` (parsed into ``subtasks``): unknown bold field
    names, and Integration Points using a task that does not exist or comes later."""
    issues: list[ParseIssue] = []
    known = ", ".join(label for label, _ in _FIELDS)
    task = 0
    for number, line in enumerate(text.splitlines(), start=1):
        heading = _HEADING.match(line)
        if heading:
            task += 1
            continue
        match = _BOLD_FIELD.match(line)
        if match is None:
            continue
        name = " ".join(match.group("name").lower().split())
        if name not in FIELD_NAMES:
            where = f"task {task}: " if task else ""
            issues.append(
                ParseIssue(
                    f"{where}unknown field **{match.group('name').strip()}**; the fields are "
                    f"{known}",
                    excerpt=line.strip(),
                    line=number,
                )
            )
    for subtask in subtasks:
        for match in _TASK_REF.finditer(subtask.integration_points):
            used = int(match.group(1))
            if used > len(subtasks) or used < 1:
                problem = f"the plan has no Task {used}"
            elif used > subtask.number and not _USED_BY.search(
                subtask.integration_points[: match.start()]
            ):
                problem = (
                    f"Task {used} comes after it, and tasks run in the order listed: the two "
                    "would wait on each other (move the task it uses above it)"
                )
            else:
                continue
            issues.append(
                ParseIssue(f"task {subtask.number} uses Task {used}: {problem}", excerpt=match[0])
            )
    return issues
