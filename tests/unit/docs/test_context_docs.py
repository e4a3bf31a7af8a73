"""CONTRIBUTING's table of what a step reads from its context names every attribute and method of
``WorkflowContext`` with its type, and the paragraph after it every ``WorkflowState`` field."""

from __future__ import annotations

import inspect
import re

from autobyteus_core.workflow.workflow_context import WorkflowContext
from autobyteus_core.workflow.workflow_state import WorkflowState
from tests import REPO

CONTRIBUTING = REPO / "CONTRIBUTING.md"


def context_section() -> str:
    text = CONTRIBUTING.read_text(encoding="utf-8")
    return text.split("## What a step can read: the context", 1)[1].split("\n## ", 1)[0]


def table() -> dict[str, str]:
    """Name → type cell of each row (``run_id``, ``step_id`` share one row)."""
    rows: dict[str, str] = {}
    for line in context_section().splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 3 or cells[0].startswith(("`context.`", "---")):
            continue
        for name in re.findall(r"`(?:await )?(\w+)", cells[0]):
            rows[name] = cells[1].replace("\\|", "|")
    return rows


def documented_types() -> dict[str, str]:
    """Each public attribute, property and method of WorkflowContext → its (return) type."""
    found = dict(WorkflowContext.__annotations__)
    for name, member in inspect.getmembers(WorkflowContext):
        if name.startswith("_") or name in found:
            continue
        function = member.fget if isinstance(member, property) else member
        found[name] = str(function.__annotations__["return"])
    return found


def test_the_table_names_every_member_of_the_context_with_its_type() -> None:
    rows = table()
    expected = documented_types()
    assert set(rows) == set(expected)
    for name, annotation in expected.items():
        assert f"`{annotation}`" in rows[name], name


def test_every_field_of_the_shared_state_is_described() -> None:
    section = context_section()
    missing = [f for f in WorkflowState.model_fields if f"`{f}`" not in section]
    assert missing == []
