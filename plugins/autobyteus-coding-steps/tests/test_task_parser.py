"""The architecture-design reply parser: the forms real models produce, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from autobyteus_coding_steps.parsing.tasks import parse_subtasks

# The project's seed example of an architecture-design reply, shipped as test data.
SEED_PROMPT = Path(__file__).resolve().parent / "data" / "seed_subtasks_prompt_example.txt"

PLAN = """\
Here is the plan.

#### Task 1: Implement the `WordCounter` Class
#task start#
- **Objective**: Count how often each word occurs.
- **File Specification**: `wordfreq/counter.py`
- **Functionality Details**: `WordCounter.count(text: str) -> dict[str, int]`, case-insensitive.
- **Integration Points**: None.
#task end#

#### Task 2: Implement the `top_words` Function
#task start#
- **Objective**: Return the most frequent words.
- **File Specification**: `wordfreq/top.py`
- **Functionality Details**: `top_words(text, n)` returns the `n` most common `(word, count)` pairs.
- **Integration Points**: Uses `WordCounter` from Task 1.
#task end#

#### Task 3: Implement the CLI
#task start#
- **Objective**: A command line that prints the top words of a file.
- **File Specification**: `wordfreq/cli.py`
- **Functionality Details**: `main(argv)` reads a file and prints `top_words`.
- **Integration Points**: Calls `top_words` from `wordfreq/top.py`.
#task end#

These tasks build the package.
"""


def test_seed_format_is_read_in_order_with_dependencies() -> None:
    result = parse_subtasks(PLAN)
    assert result.ok, result.report()
    tasks = result.value
    assert tasks is not None
    assert [t.number for t in tasks] == [1, 2, 3]
    assert tasks[0].title == "Implement the `WordCounter` Class"
    assert tasks[0].files == ["wordfreq/counter.py"]
    assert tasks[0].objective == "Count how often each word occurs."
    assert "case-insensitive" in tasks[0].functionality
    assert tasks[1].integration_points == "Uses `WordCounter` from Task 1."
    assert [t.depends_on for t in tasks] == [[], [1], [2]]
    assert tasks[2].id == "task-3"


def test_the_seed_example_itself_parses_into_ten_ordered_tasks() -> None:
    result = parse_subtasks(SEED_PROMPT.read_text(encoding="utf-8"))
    assert result.ok, result.report()
    assert result.value is not None
    assert len(result.value) == 10
    by_title = {t.title: t for t in result.value}
    requirement_step = by_title["Implement the `RequirementStep` Class"]
    assert requirement_step.files == ["autobyteus/workflow/requirement_step.py"]
    assert 1 in requirement_step.depends_on  # derives from BaseStep (task 1)
    assert all(dep < task.number for task in result.value for dep in task.depends_on)


def test_crlf_plain_field_names_and_dash_headings() -> None:
    reply = (
        "Task 1 - Counter\r\n#task start#\r\nObjective: count words\r\n"
        "File Specification: wordfreq/counter.py\r\nFunctionality Details: count_words(text)\r\n"
        "#task end#\r\nTask 2 - Report\r\n#task start#\r\nObjective: print a report\r\n"
        "File: wordfreq/report.py\r\nIntegration Points: uses count_words from counter.py\r\n"
        "#task end#\r\n"
    )
    result = parse_subtasks(reply)
    assert result.ok, result.report()
    assert result.value is not None
    assert [t.title for t in result.value] == ["Counter", "Report"]
    assert [t.files for t in result.value] == [["wordfreq/counter.py"], ["wordfreq/report.py"]]
    assert result.value[1].depends_on == [1]
    assert "\r" not in result.value[0].functionality


def test_tokens_without_headings_are_numbered_in_order() -> None:
    reply = (
        "#task start#\n- Objective: Create the counter.\n- File Specification: `a/counter.py`\n"
        "#task end#\n#task start#\n- Objective: Create the report.\n"
        "- File Specification: `a/report.py`\n#task end#"
    )
    result = parse_subtasks(reply)
    assert result.ok, result.report()
    assert result.value is not None
    assert [t.number for t in result.value] == [1, 2]
    assert result.value[0].title == "Create the counter."


def test_headings_without_tokens_and_bold_colon_inside() -> None:
    reply = (
        "**Task 1: Counter**\n**Objective:** count\n**File Specification:** `pkg/counter.py`\n\n"
        "**Task 2: Printer**\n**Objective:** print\n**File Specification:** `pkg/printer.py`\n"
        "**Integration Points:** imports `pkg.counter`\n"
    )
    result = parse_subtasks(reply)
    assert result.ok, result.report()
    assert result.value is not None
    assert [t.files for t in result.value] == [["pkg/counter.py"], ["pkg/printer.py"]]
    assert result.value[1].depends_on == [1]


def test_inline_token_mentions_in_prose_are_not_markers() -> None:
    reply = "Each subtask is framed between `#task start#` and `#task end#` tokens.\n\n" + PLAN
    result = parse_subtasks(reply)
    assert result.ok, result.report()
    assert result.value is not None
    assert len(result.value) == 3


def test_objective_lines_split_tasks_when_there_is_nothing_else() -> None:
    reply = (
        "Objective: count words\nFile Specification: `w/counter.py`\n\n"
        "Objective: print them\nFile Specification: `w/printer.py`\n"
    )
    result = parse_subtasks(reply)
    assert result.ok, result.report()
    assert result.value is not None
    assert [t.files for t in result.value] == [["w/counter.py"], ["w/printer.py"]]


def test_missing_end_token_is_a_note_and_trailing_prose_is_not_a_field() -> None:
    reply = (
        "#### Task 1: A\n#task start#\n- **Objective**: a\n- **File Specification**: `p/a.py`\n"
        "- **Integration Points**: None\n\nI hope this plan helps you build it!\n"
    )
    result = parse_subtasks(reply)
    assert result.ok, result.report()
    assert result.value is not None
    assert result.value[0].integration_points == "None"
    assert "hope" not in result.value[0].functionality
    assert any("no `#task end#`" in note.message for note in result.notes)
    assert any("prose after the plan and left out" in n.message for n in result.notes)


def test_task_text_outside_the_fields_is_kept_in_the_functionality_details() -> None:
    reply = (
        "#### Task 1: Counter\n#task start#\n- **Objective**: count words\n"
        "- **File Specification**: `p/a.py`\n- **Functionality Details**: `count(text)`\n\n"
        "It must also handle empty input and return an empty dict.\n\n"
        "- **Integration Points**: None\n#task end#\n"
        "#### Task 2: Top\n- **Objective**: top words\n- **File Specification**: `p/b.py`\n\n"
        "Ties are broken alphabetically.\n\n"
        "#### Task 3: CLI\n#task start#\n- **Objective**: a CLI\n"
        "- **File Specification**: `p/cli.py`\n#task end#\n"
    )
    result = parse_subtasks(reply)
    assert result.ok, result.report()
    assert result.value is not None
    first, second, _ = result.value
    assert (
        first.functionality
        == "`count(text)`\nIt must also handle empty input and return an empty dict."
    )
    assert first.integration_points == "None"
    assert second.functionality == "Ties are broken alphabetically."
    kept = [n for n in result.notes if "added to its Functionality Details" in n.message]
    assert [n.message.split()[1] for n in kept] == ["1", "2"]


def test_renumbered_tasks_keep_their_references() -> None:
    reply = (
        "#### Task 3: A\n#task start#\n- Objective: make `Alpha`\n- File: `p/alpha.py`\n#task end#\n"
        "#### Task 7: B\n#task start#\n- Objective: b\n- File: `p/b.py`\n"
        "- Integration Points: after task 3\n#task end#\n"
    )
    result = parse_subtasks(reply)
    assert result.ok
    assert result.value is not None
    assert [t.number for t in result.value] == [1, 2]
    assert result.value[1].depends_on == [1]
    assert any("renumbered" in note.message for note in result.notes)


def test_tasks_sharing_a_file_are_serialised() -> None:
    reply = (
        "#### Task 1: Count\n#task start#\n- Objective: count\n- File: `w/core.py`\n#task end#\n"
        "#### Task 2: Other\n#task start#\n- Objective: unrelated\n- File: `w/x.py`\n#task end#\n"
        "#### Task 3: Sort\n#task start#\n- Objective: sort\n- File: `w/core.py`\n#task end#\n"
    )
    result = parse_subtasks(reply)
    assert result.value is not None
    assert [t.depends_on for t in result.value] == [[], [], [1]]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../outside.py", "'..'"),
        ("/etc/cron.d/evil.py", "absolute"),
        ("C:/Windows/evil.py", "drive"),
        (".git/hooks/pre-commit.py", "control folder"),
        ("pkg/", "directory"),
        ("node_modules/x.js", "must not go into"),
    ],
)
def test_unsafe_paths_make_the_plan_unusable(path: str, reason: str) -> None:
    reply = (
        f"#### Task 1: X\n#task start#\n- Objective: x\n- File Specification: `{path}`\n#task end#"
    )
    result = parse_subtasks(reply)
    assert not result.ok
    assert any(reason in issue.message and issue.excerpt == path for issue in result.errors)


@pytest.mark.parametrize("reply", ["", "   \n\n", "I cannot help with that."])
def test_nothing_usable_is_a_fatal_issue(reply: str) -> None:
    result = parse_subtasks(reply)
    assert not result.ok
    assert result.errors


def test_oversized_reply_is_refused_without_reading_it() -> None:
    result = parse_subtasks("#### Task 1: x\n" + "a" * 300_000, max_chars=200_000)
    assert not result.ok
    assert "over the limit" in result.errors[0].message


def test_prose_mentioning_a_task_number_is_not_a_heading() -> None:
    reply = (
        "#### Task 1: A\n#task start#\n- Objective: a\n- File: `p/a.py`\n"
        "- Functionality Details: first part\nTask 2 depends on this output\n#task end#"
    )
    result = parse_subtasks(reply)
    assert result.value is not None
    assert len(result.value) == 1
    assert "Task 2 depends" in result.value[0].functionality
