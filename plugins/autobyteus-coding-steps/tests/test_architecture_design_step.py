"""ArchitectureDesignStep: the seed's prompt (example first), the parsed plan, and re-asks."""

from __future__ import annotations

from pathlib import Path

import pytest
from autobyteus_coding_steps import CodingPlan
from autobyteus_coding_steps.exchange import ReplyRejectedError
from autobyteus_coding_steps.parsing.requirement_interface import requirement_interface
from autobyteus_coding_steps.steps import architecture_design_step
from autobyteus_coding_steps.steps.architecture_design_step import (
    EXAMPLE_NAMES,
    ArchitectureDesignStep,
    check_plan,
    unasked_file_issues,
    without_package_inits,
)
from coding_steps_testkit.harness import MakeContext
from coding_steps_testkit.samples import PLAN_REPLY, subtask

from autobyteus_core.testing import ScriptedLLM

DOCUMENT = "Build a package `wordfreq` that counts words and lists the most frequent ones."


async def test_prompt_puts_the_example_first_and_the_documentation_last(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue(PLAN_REPLY)
    context = make_context()
    CodingPlan.of(context).requirement_document = DOCUMENT
    await ArchitectureDesignStep("architecture_design").execute(context)
    prompt = scripted_llm.calls[0].prompt
    example = prompt.index("[SubtaskExample]\n")
    documentation = prompt.index("[Documentation]\n$start$")
    assert example < prompt.index("shapes/area.py") < documentation
    assert f"$start$\n{DOCUMENT}\n$end$" in prompt
    closing = prompt[prompt.index("$end$") :]
    assert "for the [Documentation] above, not for the example" in closing
    assert "autobyteus/" not in prompt
    assert "at most 12 subtasks" in closing


async def test_plan_is_parsed_into_state_with_dependencies(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue("Sure! Here is my plan:\r\n\r\n" + PLAN_REPLY.replace("\n", "\r\n"))
    context = make_context()
    CodingPlan.of(context).requirement_document = DOCUMENT
    result = await ArchitectureDesignStep("architecture_design").execute(context)
    tasks = CodingPlan.of(context).subtasks
    assert [(t.number, t.files, t.depends_on) for t in tasks] == [
        (1, ["wordfreq/counter.py"], []),
        (2, ["wordfreq/top.py"], [1]),
    ]
    assert CodingPlan.of(context).design_document is not None
    assert "\r" not in CodingPlan.of(context).design_document
    assert result.output["subtasks"][1] == {
        "number": 2,
        "title": "Implement the `top_words` Function",
        "files": ["wordfreq/top.py"],
        "depends_on": [1],
    }
    assert context.keys == ["plan/attempt-1"]
    assert result.summary == "2 subtasks planned"


async def test_a_plan_copying_the_example_is_re_asked(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    copied = PLAN_REPLY.replace("wordfreq/counter.py", "shapes/area.py")
    scripted_llm.queue(copied, PLAN_REPLY)
    context = make_context()
    CodingPlan.of(context).requirement_document = DOCUMENT
    await ArchitectureDesignStep("architecture_design").execute(context)
    assert "copies the example's file `shapes/area.py`" in scripted_llm.calls[1].prompt
    assert CodingPlan.of(context).subtasks[0].files == ["wordfreq/counter.py"]


def test_the_example_check_is_off_only_when_the_requirement_names_the_package_as_code(
    workspace: Path,
) -> None:
    copied = [subtask(1, "shapes/area.py")]

    def flagged(requirement: str) -> bool:
        issues = check_plan(copied, root=workspace, requirement=requirement, max_subtasks=10)
        return any("copies the example" in issue.message for issue in issues)

    assert flagged("Draw shapes and report their areas.")
    assert not flagged("Add `area()` to the `shapes` package.")
    assert not flagged("Extend shapes/area.py with a triangle.")
    assert not flagged("Import shapes.area in the CLI.")


async def test_unsafe_and_directory_paths_are_re_asked(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    (workspace / "wordfreq" / "top.py").mkdir(parents=True)
    bad = PLAN_REPLY.replace("wordfreq/counter.py", "../../etc/evil.py")
    scripted_llm.queue(bad, PLAN_REPLY, PLAN_REPLY.replace("wordfreq/top.py", "wordfreq/top2.py"))
    context = make_context()
    await ArchitectureDesignStep("architecture_design").execute(context)
    first, second = scripted_llm.calls[1].prompt, scripted_llm.calls[2].prompt
    assert "'..' is not allowed" in first and "../../etc/evil.py" in first
    assert "`wordfreq/top.py` is an existing directory" in second
    assert CodingPlan.of(context).subtasks[1].files == ["wordfreq/top2.py"]


async def test_too_many_subtasks_and_failure_report(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue(PLAN_REPLY, PLAN_REPLY)
    context = make_context()
    step = ArchitectureDesignStep("architecture_design", {"max_subtasks": 1, "max_attempts": 2})
    with pytest.raises(ReplyRejectedError, match="the plan has 2 subtasks; plan at most 1"):
        await step.execute(context)
    assert CodingPlan.of(context).subtasks == []


async def test_existing_files_are_shown(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    (workspace / "legacy.py").write_text("X = 1\n", encoding="utf-8")
    scripted_llm.queue(PLAN_REPLY)
    context = make_context()
    await ArchitectureDesignStep("architecture_design").execute(context)
    assert "legacy.py" in scripted_llm.calls[0].prompt


async def test_a_plan_may_change_an_existing_file_and_need_not_write_the_ones_it_uses(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    (workspace / "wordfreq").mkdir()
    (workspace / "wordfreq/counter.py").write_text("def count_words(text): ...\n")
    (workspace / "wordfreq/stopwords.py").write_text("STOP = {'the'}\n")
    scripted_llm.queue(PLAN_REPLY)
    context = make_context()
    context.state.requirement = (
        "Make `count_words` in `wordfreq/counter.py` skip the words of `wordfreq/stopwords.py`; "
        "`wordfreq/top.py` lists the top words."
    )
    result = await ArchitectureDesignStep("architecture_design").execute(context)
    prompt = scripted_llm.calls[0].prompt
    assert "A subtask may change one of these files: name it in its File Specification" in prompt
    assert len(scripted_llm.calls) == 1  # stopwords.py is only used: no subtask must write it
    assert result.output["existing_files_changed"] == ["wordfreq/counter.py"]
    assert result.summary.endswith("(1 existing file to change)")


async def test_a_plan_that_renames_the_requirements_file_or_invents_a_class_is_re_asked(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    requirement = (
        "Write `count_words(text)` in `wordfreq/counter.py` and `top_words` in `wordfreq/top.py`."
    )
    invented = PLAN_REPLY.replace("wordfreq/counter.py", "wordfreq/word_counter.py").replace(
        "#### Task 1: Implement the `count_words` Function",
        "#### Task 1: Implement the `WordCounter` Class",
    )
    scripted_llm.queue(invented, PLAN_REPLY)
    context = make_context()
    context.state.requirement = requirement
    await ArchitectureDesignStep("architecture_design").execute(context)
    reask = scripted_llm.calls[1].prompt
    assert "the requirement names `wordfreq/counter.py`, but no subtask writes it" in reask
    assert "plans a class `WordCounter` that the requirement does not ask for" in reask
    assert CodingPlan.of(context).subtasks[0].files == ["wordfreq/counter.py"]


async def test_a_plan_that_keeps_departing_from_the_requirement_falls_back_to_its_files(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    renamed = PLAN_REPLY.replace("wordfreq/counter.py", "wordfreq/word_counter.py")
    scripted_llm.queue(renamed, renamed, renamed)
    context = make_context()
    context.state.requirement = (
        "Write `count_words` in `wordfreq/counter.py` and `top_words` in `wordfreq/top.py`, "
        "which uses `count_words`."
    )
    result = await ArchitectureDesignStep("architecture_design").execute(context)
    assert len(scripted_llm.calls) == 3
    assert [(t.files, t.depends_on) for t in CodingPlan.of(context).subtasks] == [
        (["wordfreq/counter.py"], []),
        (["wordfreq/top.py"], [1]),
    ]
    assert "one subtask per file the requirement names" in result.summary
    assert "no subtask writes it" in result.output["rejected"][-1]


async def test_a_rejected_plan_without_named_files_fails_with_its_report(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    invented = PLAN_REPLY.replace(
        "Implement the `count_words` Function", "Implement the `WordCounter` Class"
    )
    scripted_llm.queue(invented, invented, invented)
    context = make_context()
    context.state.requirement = "Count words with `count_words(text)`."
    with pytest.raises(ReplyRejectedError, match="plans a class `WordCounter`"):
        await ArchitectureDesignStep("architecture_design").execute(context)
    assert CodingPlan.of(context).subtasks == []


async def test_a_one_file_requirement_plans_itself_without_a_call(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    context = make_context()
    context.state.requirement = (
        "Write `solution.py` defining this function:\n\n"
        'def add(a: int, b: int) -> int:\n    """The sum of a and b."""\n'
    )
    result = await ArchitectureDesignStep("architecture_design").execute(context)
    assert scripted_llm.calls == []
    [task] = CodingPlan.of(context).subtasks
    assert task.files == ["solution.py"] and task.depends_on == []
    assert result.summary == "1 subtask planned (the requirement names one file)"


async def test_a_plan_copying_the_examples_functions_elsewhere_is_re_asked(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    copied = PLAN_REPLY.replace("`count_words` Function", "`circle_area` Function").replace(
        "`count_words(text: str)", "`total_area(radii: list[float])"
    )
    scripted_llm.queue(copied, PLAN_REPLY)
    context = make_context()
    CodingPlan.of(context).requirement_document = DOCUMENT
    await ArchitectureDesignStep("architecture_design").execute(context)
    assert "copies the example's `circle_area`, `total_area`" in scripted_llm.calls[1].prompt
    assert CodingPlan.of(context).subtasks[0].title == "Implement the `count_words` Function"


def test_the_example_names_are_the_shipped_prompts() -> None:
    template = (
        Path(architecture_design_step.__file__).parent.parent / "prompts/architecture_design.j2"
    ).read_text(encoding="utf-8")
    assert all(f"`{name}(" in template for name in EXAMPLE_NAMES)


async def test_every_command_the_requirement_names_gets_its_entry_point(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue(PLAN_REPLY)
    context = make_context()
    context.state.requirement = (
        "A package `wordfreq` counting words; `python -m wordfreq FILE` prints the top words. "
        "Test it with `python -m pytest`."
    )
    await ArchitectureDesignStep("architecture_design").execute(context)
    entry = CodingPlan.of(context).subtasks[-1]
    assert [t.files for t in CodingPlan.of(context).subtasks] == [
        ["wordfreq/counter.py"],
        ["wordfreq/top.py"],
        ["wordfreq/__main__.py"],
    ]
    assert entry.depends_on == [1, 2] and "`python -m wordfreq`" in entry.title


NAMED_FILES = (
    "Write `count_words` in `wordfreq/counter.py` and `top_words` in `wordfreq/top.py`; "
    "`python -m wordfreq FILE` prints the top words."
)
EXTRA_TASK = """
#### Task 3: {title}
#task start#
- **Objective**: {title}.
- **File Specification**: `{path}`
- **Functionality Details**: As needed.
- **Integration Points**: Task 1.
#task end#
"""


def extra(path: str, title: str = "Add a helper") -> str:
    """The sample plan with a third subtask writing ``path``."""
    return PLAN_REPLY + EXTRA_TASK.format(path=path, title=title)


async def test_a_plan_writing_tests_or_unnamed_modules_beside_the_named_files_is_re_asked(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue(
        extra("tests/test_counter.py", "Test the counter"), extra("wordfreq/utils.py"), PLAN_REPLY
    )
    context = make_context()
    context.state.requirement = NAMED_FILES
    result = await ArchitectureDesignStep("architecture_design").execute(context)
    first, second = scripted_llm.calls[1].prompt, scripted_llm.calls[2].prompt
    assert "task 3 writes the test file `tests/test_counter.py`" in first
    assert "task 3 writes `wordfreq/utils.py`, which the requirement does not name" in second
    assert "(`wordfreq/counter.py`, `wordfreq/top.py`)" in second
    assert [t.files for t in CodingPlan.of(context).subtasks] == [
        ["wordfreq/counter.py"],
        ["wordfreq/top.py"],
        ["wordfreq/__main__.py"],
    ]
    assert result.output["planned_by"] == "llm"


async def test_a_plan_that_keeps_adding_files_falls_back_to_the_named_files(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue(*[extra("wordfreq/test_top.py")] * 3)
    context = make_context()
    context.state.requirement = NAMED_FILES
    result = await ArchitectureDesignStep("architecture_design").execute(context)
    assert len(scripted_llm.calls) == 3
    assert [t.files for t in CodingPlan.of(context).subtasks] == [
        ["wordfreq/counter.py"],
        ["wordfreq/top.py"],
        ["wordfreq/__main__.py"],
    ]
    assert "one subtask per file the requirement names" in result.summary


def test_what_a_plan_may_write_beside_the_named_files() -> None:
    def flagged(path: str, requirement: str = NAMED_FILES, existing: str = "") -> bool:
        plan = [subtask(1, "wordfreq/counter.py"), subtask(2, path)]
        interface = requirement_interface(requirement)
        found = frozenset({existing}) if existing else frozenset()
        return bool(unasked_file_issues(plan, interface, found, "tests"))

    assert flagged("tests/test_counter.py") and flagged("wordfreq/conftest.py")
    assert flagged("wordfreq/utils.py") and flagged("wordfreq/sub/deep.py")
    assert flagged("wordfreq/__main__.py", "Write `wordfreq/counter.py` and `wordfreq/top.py`.")
    assert not flagged("wordfreq/__init__.py")
    assert not flagged("wordfreq/__main__.py")  # the command the requirement names
    assert not flagged("wordfreq/top.py")
    assert not flagged("wordfreq/stopwords.py", existing="wordfreq/stopwords.py")
    assert not flagged("wordfreq/data.json")  # not a module
    assert not flagged("scripts/run.py")  # outside the named files' packages
    assert not flagged("tests/test_counter.py", "Count words; `wordfreq` is the package.")


INIT_FIRST = """\
#### Task 1: Define the package
#task start#
- **Objective**: The package file.
- **File Specification**: `wordfreq/__init__.py`
- **Functionality Details**: Re-exports the functions.
- **Integration Points**: None.
#task end#

""" + PLAN_REPLY.replace("Task 1", "Task 2").replace(
    "Task 2: Implement the `top", "Task 3: Implement the `top"
)


async def test_a_new_package_file_asked_only_to_re_export_is_left_to_the_implementation_step(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue(INIT_FIRST)
    context = make_context()
    context.state.requirement = NAMED_FILES + "\n\n- `wordfreq/__init__.py` re-exports both."
    result = await ArchitectureDesignStep("architecture_design").execute(context)
    assert len(scripted_llm.calls) == 1
    assert [(t.number, t.files, t.depends_on) for t in CodingPlan.of(context).subtasks] == [
        (1, ["wordfreq/counter.py"], []),
        (2, ["wordfreq/top.py"], [1]),
        (3, ["wordfreq/__main__.py"], [1, 2]),
    ]
    assert "task 1 (`wordfreq/__init__.py`) left out" in result.output["notes"][-1]


async def test_a_plan_that_loops_over_its_subtasks_keeps_each_one_once(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    first, second = PLAN_REPLY.split("\n\n#### Task 2")
    second = "#### Task 2" + second
    # The loop renames its tasks and re-wraps their lines; the later copies use each other.
    again = first.replace("Task 1: Implement", "Task 3: Write").replace(
        "occurs.", "occurs.   "
    ) + second.replace("Task 2:", "Task 4:").replace("(Task 1)", "(Task 3)")
    differs = EXTRA_TASK.format(path="wordfreq/top.py", title="Sort ties").replace(
        "Task 3", "Task 5"
    )
    scripted_llm.queue(f"{PLAN_REPLY}\n{again}\n{differs}")
    context = make_context()
    CodingPlan.of(context).requirement_document = DOCUMENT
    result = await ArchitectureDesignStep("architecture_design").execute(context)
    assert len(scripted_llm.calls) == 1
    assert [(t.number, t.files, t.depends_on) for t in CodingPlan.of(context).subtasks] == [
        (1, ["wordfreq/counter.py"], []),
        (2, ["wordfreq/top.py"], [1]),
        (3, ["wordfreq/top.py"], [1, 2]),  # same file, other work: kept
    ]
    assert result.output["notes"] == [
        "task 3 left out: it repeats task 1",
        "task 4 left out: it repeats task 2",
    ]


def test_a_package_file_is_planned_when_it_exists_or_is_asked_for_more() -> None:
    plan = [subtask(1, "wordfreq/__init__.py"), subtask(2, "wordfreq/counter.py", depends_on=[1])]
    exports = NAMED_FILES + "\n\n- `wordfreq/__init__.py` re-exports both."

    def kept(requirement: str, existing: frozenset[str] = frozenset()) -> list[int]:
        interface = requirement_interface(requirement)
        tasks, _ = without_package_inits(plan, requirement, interface, existing)
        return [len(t.depends_on) for t in tasks]

    assert kept(exports) == [0]
    assert kept(NAMED_FILES) == [0]  # not named at all: written like any package file
    assert kept(exports, frozenset({"wordfreq/__init__.py"})) == [0, 1]
    assert kept(NAMED_FILES + "\n\n- `wordfreq/__init__.py` defines `VERSION`.") == [0, 1]
    assert kept("Count words in `wordfreq`; `wordfreq/__init__.py` re-exports it.") == [0, 1]
