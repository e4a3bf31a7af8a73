"""``plan.md``: the plan written in the seed's format reads back to the same subtasks, and an
edited plan is read like the model's, with the checks a person's edit needs."""

from __future__ import annotations

import pytest
from autobyteus_coding_steps import CodingPlan
from autobyteus_coding_steps.parsing.plan_document import edit_issues, format_plan
from autobyteus_coding_steps.parsing.tasks import parse_subtasks
from autobyteus_coding_steps.steps.architecture_design_step import ArchitectureDesignStep
from coding_steps_testkit.harness import MakeContext
from coding_steps_testkit.samples import PLAN_REPLY

from autobyteus_core import OutputEditError

MULTI_LINE = """\
#### Task 1: Counter
#task start#
- **Objective**: Count words.
- **File Specification**: `wordfreq/counter.py`, `wordfreq/words.py`
- **Functionality Details**: `count_words(text)` lower-cases;
  splits on whitespace.
- **Integration Points**: None.
#task end#

#### Task 2: Top
#task start#
- **Objective**: The most frequent words.
- **File Specification**: `wordfreq/top.py`
- **Functionality Details**:
- **Integration Points**: Uses `count_words` (Task 1).
#task end#
"""


@pytest.mark.parametrize("reply", [PLAN_REPLY, MULTI_LINE])
def test_the_plan_document_reads_back_to_the_same_subtasks(reply: str) -> None:
    parsed = parse_subtasks(reply).value
    assert parsed is not None
    document = format_plan(parsed)
    again = parse_subtasks(document)
    assert again.ok and not again.notes, again.report()
    assert again.value is not None
    strip = {"raw"}
    assert [t.model_dump(exclude=strip) for t in again.value] == [
        t.model_dump(exclude=strip) for t in parsed
    ]
    assert document.count("#task start#") == len(parsed)
    assert edit_issues(document, again.value) == []


def test_edit_checks_unknown_fields_and_tasks_that_do_not_come_before() -> None:
    text = MULTI_LINE.replace(
        "- **Objective**: The most", "- **Owner**: me\n- **Objective**: The most"
    )
    text = text.replace("None.", "Uses Task 2 and Task 7.")
    parsed = parse_subtasks(text).value
    assert parsed is not None
    problems = [issue.describe() for issue in edit_issues(text, parsed)]
    assert any(
        p.startswith("task 2: unknown field **Owner**; the fields are Objective") for p in problems
    )
    assert any("task 1 uses Task 2: Task 2 comes after it" in p for p in problems)
    assert any("task 1 uses Task 7: the plan has no Task 7" in p for p in problems)
    used_by = MULTI_LINE.replace("None.", "Used by Task 2.")
    assert edit_issues(used_by, parse_subtasks(used_by).value or []) == []


def test_a_bold_line_the_model_wrote_inside_a_field_is_no_unknown_field() -> None:
    reply = MULTI_LINE.replace(
        "splits on whitespace.", "splits on whitespace.\n**Note**: no regex."
    )
    parsed = parse_subtasks(reply).value
    assert parsed is not None and "**Note**: no regex." in parsed[0].functionality
    document = format_plan(parsed)
    assert "\n  **Note**: no regex.\n" in document
    assert edit_issues(document, parse_subtasks(document).value or []) == []


def test_an_edit_with_an_unsafe_path_is_refused_with_the_parsers_message(
    make_context: MakeContext,
) -> None:
    context = make_context()
    step = ArchitectureDesignStep("architecture_design")
    with pytest.raises(OutputEditError, match=r"task 2: .*\.\."):
        step.edit_output(context, MULTI_LINE.replace("wordfreq/top.py", "../x.py"))
    assert CodingPlan.of(context).subtasks == []

    result = step.edit_output(context, MULTI_LINE)
    assert result.summary == "2 subtasks planned (edited)"
    assert result.output["planned_by"] == "edited"
    assert [t.files for t in CodingPlan.of(context).subtasks][1] == ["wordfreq/top.py"]
    assert CodingPlan.of(context).subtasks[1].depends_on == [1]
