"""ImplementationStep: one file per reply, paths from the plan, whole-file updates, packages,
concurrency by the dependency graph, and refusals."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from autobyteus_coding_steps import CodingPlan
from autobyteus_coding_steps.steps.implementation_step import ImplementationStep
from coding_steps_testkit.harness import FakeContext, MakeContext
from coding_steps_testkit.samples import COUNTER_SOURCE, TOP_SOURCE, fenced, subtask

from autobyteus_core import EventType, LLMResponse, Message, StepFailedError
from autobyteus_core.testing import ScriptedLLM


def _step(**options: Any) -> ImplementationStep:
    return ImplementationStep("implementation", options)


async def test_writes_each_planned_file_at_the_planned_path(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(
        r"Write the file `wordfreq/counter.py`", "`wrong/name.py`\n" + fenced(COUNTER_SOURCE)
    )
    scripted_llm.on(r"Write the file `wordfreq/top.py`", fenced(TOP_SOURCE))
    context = make_context()
    CodingPlan.of(context).subtasks = [
        subtask(1, "wordfreq/counter.py"),
        subtask(2, "wordfreq/top.py", depends_on=[1]),
    ]
    result = await _step().execute(context)
    assert (workspace / "wordfreq/counter.py").read_text() == COUNTER_SOURCE
    assert (workspace / "wordfreq/top.py").read_text() == TOP_SOURCE
    assert not (workspace / "wrong").exists()
    assert (workspace / "wordfreq/__init__.py").read_text() == ""
    assert result.output["package_files"] == ["wordfreq/__init__.py"]
    assert context.keys == [
        "task-1/wordfreq/counter.py/attempt-1",
        "task-2/wordfreq/top.py/attempt-1",
    ]
    # the dependent task saw the file it integrates with
    assert "def count_words" in scripted_llm.calls[1].prompt
    assert "from wordfreq.other_module import Name" in scripted_llm.calls[1].prompt
    kinds = [(kind, data.get("subtask")) for kind, data in context.events]
    assert kinds == [
        (EventType.SUBTASK_STARTED, "task-1"),
        (EventType.SUBTASK_FINISHED, "task-1"),
        (EventType.SUBTASK_STARTED, "task-2"),
        (EventType.SUBTASK_FINISHED, "task-2"),
    ]
    assert result.output["subtasks"][0]["status"] == "succeeded"


async def test_the_names_the_requirement_gives_a_package_are_its_public_api(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"Write the file `wordfreq/counter.py`", fenced(COUNTER_SOURCE))
    scripted_llm.on(r"Write the file `wordfreq/top.py`", fenced(TOP_SOURCE))
    context = make_context()
    context.state.requirement = (
        "A package `wordfreq`: `wordfreq.count_words(text)` counts words and\n"
        "`from wordfreq import top_words` gives the most frequent; `os.path.join` is not ours."
    )
    CodingPlan.of(context).subtasks = [
        subtask(1, "wordfreq/counter.py"),
        subtask(2, "wordfreq/top.py", depends_on=[1]),
    ]
    await _step().execute(context)
    init = (workspace / "wordfreq/__init__.py").read_text()
    assert "from .counter import count_words\nfrom .top import top_words\n" in init
    imported = subprocess.run(
        [sys.executable, "-c", "from wordfreq import count_words, top_words"], cwd=workspace
    )
    assert imported.returncode == 0


def printed(workspace: Path, code: str) -> str:
    """What Python prints running ``code`` in ``workspace``."""
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=workspace, capture_output=True, text=True
    )
    return run.stdout


async def implement_one(
    context: FakeContext, llm: ScriptedLLM, path: str, source: str, requirement: str
) -> None:
    """Run the step on a one-subtask plan writing ``path``, whose reply is ``source``."""
    llm.on(rf"Write the file `{path}`", fenced(source))
    context.state.requirement = requirement
    CodingPlan.of(context).subtasks = [subtask(1, path)]
    await _step().execute(context)


@pytest.mark.parametrize(
    ("requirement", "path", "source", "code", "output"),
    [
        # A re-exported function named like its module is the package's name.
        (
            "- `calc/evaluate.py` defines `evaluate(text: str) -> float`.\n"
            "- `calc/__init__.py` re-exports `evaluate`.\n",
            "calc/evaluate.py",
            "def evaluate(text):\n    return 1\n",
            "from calc import evaluate; print(evaluate('x'))",
            "1\n",
        ),
        # "Re-exports both" names nothing: the functions given for the package's modules.
        (
            "- `romans/convert.py` defines `to_roman(number: int) -> str` and\n"
            "  `from_roman(text: str) -> int`.\n"
            "- `romans/__init__.py` re-exports both.\n",
            "romans/convert.py",
            "def to_roman(number):\n    return 'I'\n\n\ndef from_roman(text):\n    return 1\n",
            "from romans import from_roman, to_roman; print(to_roman(1), from_roman('I'))",
            "I 1\n",
        ),
    ],
)
async def test_the_package_file_re_exports_what_the_requirement_says_it_does(
    make_context: MakeContext,
    scripted_llm: ScriptedLLM,
    workspace: Path,
    requirement: str,
    path: str,
    source: str,
    code: str,
    output: str,
) -> None:
    await implement_one(make_context(), scripted_llm, path, source, requirement)
    assert printed(workspace, code) == output


async def test_a_name_the_requirement_puts_in_another_file_is_imported_not_defined(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    requirement = (
        "- `ini/errors.py` defines `IniSyntaxError(ValueError)` with an attribute `lineno`.\n"
        "- `ini/parser.py` defines `parse_ini(text: str) -> dict`; a bad line raises\n"
        "  `IniSyntaxError`.\n"
    )
    source = "from ini.errors import IniSyntaxError\n\n\ndef parse_ini(text):\n    return {}\n"
    await implement_one(make_context(), scripted_llm, "ini/parser.py", source, requirement)
    prompt = scripted_llm.calls[0].prompt
    assert (
        "Other files define `IniSyntaxError` (in `ini.errors`): import what you use of them "
        "from there, never define them in `ini/parser.py`."
    ) in prompt
    assert "`parse_ini` (in" not in prompt  # its own name is not listed


async def test_an_existing_package_file_gets_the_re_exports_the_requirement_adds(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    (workspace / "grades").mkdir()
    kept = '"""Grades."""\n\nfrom grades.roster import Roster\n\n__all__ = ["Roster"]\n'
    (workspace / "grades/__init__.py").write_text(kept)
    (workspace / "grades/roster.py").write_text("class Roster:\n    pass\n")
    requirement = (
        "- A new module `grades/grading.py` defines `letter(score)`.\n"
        "- `grades/__init__.py` also exports `letter`.\n"
    )
    source = "def letter(s):\n    return 'A'\n"
    await implement_one(make_context(), scripted_llm, "grades/grading.py", source, requirement)
    init = (workspace / "grades/__init__.py").read_text()
    assert init == kept + '\nfrom .grading import letter\n__all__ += ["letter"]\n'
    code = "import grades; print(grades.letter(1), grades.__all__)"
    assert printed(workspace, code) == "A ['Roster', 'letter']\n"


async def test_a_second_task_on_the_same_file_sees_it_and_must_keep_it(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    first = "def alpha() -> int:\n    return 1\n"
    erasing = "def beta() -> int:\n    return 2\n"
    whole = first + "\n\n" + erasing
    scripted_llm.queue(fenced(first), fenced(erasing), fenced(whole))
    context = make_context()
    CodingPlan.of(context).subtasks = [
        subtask(1, "pkg/mod.py", title="alpha"),
        subtask(2, "pkg/mod.py", title="beta", depends_on=[1]),
    ]
    await _step(merge_same_file_subtasks=False).execute(context)
    update_prompt = scripted_llm.calls[1].prompt
    assert "The file `pkg/mod.py` already exists" in update_prompt
    assert "def alpha" in update_prompt
    assert "Write the whole updated file `pkg/mod.py`" in update_prompt
    assert "no longer has `alpha`" in scripted_llm.calls[2].prompt
    assert (workspace / "pkg/mod.py").read_text() == whole.rstrip() + "\n"
    assert context.keys[1:] == [
        "task-2/pkg/mod.py/attempt-1",
        "task-2/pkg/mod.py/attempt-2",
    ]


async def test_an_existing_file_over_the_threshold_is_changed_by_edit_blocks(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    alpha = "def alpha() -> int:\n    return 1\n"
    beta = "\n\ndef beta() -> int:\n    return 2"
    edit = f"<<<<<<< SEARCH\n    return 1\n=======\n    return 1\n{beta}\n>>>>>>> REPLACE\n"
    scripted_llm.queue(edit)
    context = make_context()
    context.write_file("pkg/mod.py", alpha)
    CodingPlan.of(context).subtasks = [subtask(1, "pkg/mod.py", title="beta")]
    await _step(edit_blocks_above_chars=len(alpha) - 1).execute(context)
    [prompt] = [call.prompt for call in scripted_llm.calls]
    assert "The file `pkg/mod.py` already exists" in prompt and "def alpha" in prompt
    assert "Change `pkg/mod.py` with search/replace edit blocks" in prompt
    assert "Write the whole updated file" not in prompt
    assert (workspace / "pkg/mod.py").read_text() == alpha + beta.lstrip("\n").join(["\n\n", "\n"])

    # killed after the edit was written, before the subtask was saved as finished: the
    # recorded reply is seen to be applied already, and nothing is asked or changed again
    context.state.data.clear()
    await _step(edit_blocks_above_chars=len(alpha) - 1).execute(context)
    assert len(scripted_llm.calls) == 1
    assert (workspace / "pkg/mod.py").read_text().count("def beta") == 1


async def test_an_existing_file_up_to_the_threshold_is_rewritten_whole(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    alpha = "def alpha() -> int:\n    return 1\n"
    scripted_llm.queue(fenced(alpha + "\n\ndef beta() -> int:\n    return 2\n"))
    context = make_context()
    context.write_file("pkg/mod.py", alpha)
    CodingPlan.of(context).subtasks = [subtask(1, "pkg/mod.py", title="beta")]
    await _step(edit_blocks_above_chars=len(alpha)).execute(context)
    assert "Write the whole updated file `pkg/mod.py`" in scripted_llm.calls[0].prompt
    assert "search/replace" not in scripted_llm.calls[0].prompt


class GatedLLM(ScriptedLLM):
    """Counts how many calls are in flight at once."""

    in_flight: int = 0
    peak: int = 0

    async def complete(self, messages: Sequence[Message], **options: Any) -> LLMResponse:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        for _ in range(20):
            await asyncio.sleep(0)
        try:
            return await super().complete(messages, **options)
        finally:
            self.in_flight -= 1


async def test_independent_subtasks_run_concurrently_within_the_bound(workspace: Path) -> None:
    llm = GatedLLM()
    for name in "abcd":
        llm.on(rf"Write the file `pkg/{name}.py`", fenced(f"{name.upper()} = 1\n"))
    llm.on(r"Write the file `pkg/e.py`", fenced("from pkg.a import A\n"))
    context = FakeContext(workspace, llm, max_concurrency=2)
    CodingPlan.of(context).subtasks = [
        *(subtask(n, f"pkg/{name}.py") for n, name in enumerate("abcd", start=1)),
        subtask(5, "pkg/e.py", depends_on=[1, 2, 3, 4]),
    ]
    await _step().execute(context)
    assert llm.peak == 2
    started = [d["subtask"] for k, d in context.events if k is EventType.SUBTASK_STARTED]
    finished = [d["subtask"] for k, d in context.events if k is EventType.SUBTASK_FINISHED]
    assert started[-1] == "task-5"
    assert len(finished) == 5
    event_order = [(k, d["subtask"]) for k, d in context.events]
    last_dependency = max(
        event_order.index((EventType.SUBTASK_FINISHED, f"task-{n}")) for n in range(1, 5)
    )
    assert event_order.index((EventType.SUBTASK_STARTED, "task-5")) > last_dependency


async def test_a_path_through_a_symlink_out_fails_that_task_and_skips_its_dependents(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, workspace / "evil")
    scripted_llm.on(r"Write the file `evil/x.py`", fenced("X = 1\n"))
    scripted_llm.on(r"Write the file `ok/y.py`", fenced("Y = 1\n"))
    context = make_context()
    CodingPlan.of(context).subtasks = [
        subtask(1, "evil/x.py"),
        subtask(2, "ok/y.py"),
        subtask(3, "ok/z.py", depends_on=[1]),
    ]
    with pytest.raises(StepFailedError) as caught:
        await _step().execute(context)
    message = str(caught.value)
    assert "1 of 3 subtasks implemented" in message
    assert "task-1" in message and "symbolic link" in message
    assert "task-3 (Task 3) was skipped: it needs task-1" in message
    assert list(outside.iterdir()) == []
    assert (workspace / "ok/y.py").read_text() == "Y = 1\n"
    assert (workspace / "ok/__init__.py").exists()
    failed = [
        d for k, d in context.events if k is EventType.SUBTASK_FINISHED and d["status"] == "failed"
    ]
    assert [d["subtask"] for d in failed] == ["task-1"]


async def test_unusable_replies_are_re_asked_then_the_task_fails(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.queue("I will write it soon.", "```python\ndef f(:\n```", "still nothing")
    context = make_context()
    CodingPlan.of(context).subtasks = [subtask(1, "pkg/a.py")]
    with pytest.raises(StepFailedError) as caught:
        await _step().execute(context)
    message = str(caught.value)
    assert "no fenced code block" in message and "not valid Python" in message
    assert "no usable reply for `pkg/a.py` for task-1 after 3 attempt(s)" in message
    assert not (workspace / "pkg").exists()
    assert "invalid syntax (line 1): 'def f(:'" in scripted_llm.calls[2].prompt


async def test_a_subtask_without_a_planned_file_names_its_own_safely(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.queue(
        "`../escape.py`\n```python\nX = 1\n```",
        "`tools/helper.py`\n```python\nX = 1\n```",
    )
    context = make_context()
    CodingPlan.of(context).subtasks = [subtask(1, None, objective="Add a helper module")]
    await _step().execute(context)
    assert "Put each file's path" in scripted_llm.calls[0].prompt
    assert "'..' is not allowed" in scripted_llm.calls[1].prompt
    assert (workspace / "tools/helper.py").read_text() == "X = 1\n"
    assert not (workspace.parent / "escape.py").exists()
    assert context.keys == ["task-1/attempt-1", "task-1/attempt-2"]


async def test_no_plan_is_an_error(make_context: MakeContext) -> None:
    with pytest.raises(StepFailedError, match="no plan"):
        await _step().execute(make_context())


async def test_a_function_task_must_define_the_function_at_module_level(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    in_a_class = (
        "class Converter:\n    @staticmethod\n    def to_f(c: float) -> float:\n        return c\n"
    )
    fixed = in_a_class + "\n\ndef to_f(c: float) -> float:\n    return c * 9 / 5 + 32\n"
    scripted_llm.queue(fenced(in_a_class), fenced(fixed))
    context = make_context()
    CodingPlan.of(context).subtasks = [
        subtask(1, "conv/core.py", title="Implement the `to_f` Function")
    ]
    await _step().execute(context)
    assert "does not define `to_f` at module level" in scripted_llm.calls[1].prompt
    assert (workspace / "conv/core.py").read_text() == fixed


async def test_a_rerun_after_a_failure_skips_finished_subtasks_unless_their_file_changed(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"\[Task 1:", fenced("A = 1\n"))
    scripted_llm.on(r"\[Task 2:|no fenced code block", "no code today", times=3)
    scripted_llm.on(r"\[Task 2:", fenced("B = 1\n"))
    scripted_llm.on(r"\[Task 3:", fenced("C = 1\n"))
    context = make_context()
    CodingPlan.of(context).subtasks = [
        subtask(1, "pkg/a.py"),
        subtask(2, "pkg/b.py"),
        subtask(3, "pkg/c.py"),
    ]
    with pytest.raises(StepFailedError, match="task-2"):
        await _step().execute(context)
    done = context.state.data["autobyteus_coding_steps"]["step"]["done"]
    assert sorted(done) == ["task-1", "task-3"]

    (workspace / "pkg/c.py").write_text("C = 2  # edited by hand\n")
    calls_before = len(scripted_llm.calls)
    await _step().execute(context)
    asked = [c.prompt for c in scripted_llm.calls[calls_before:]]
    assert not any("[Task 1:" in p for p in asked)  # finished and intact
    assert any("[Task 2:" in p for p in asked)  # failed before
    assert any("The file `pkg/c.py` already exists" in p for p in asked)  # changed since
    resumed = [d["subtask"] for _, d in context.events if d.get("resumed")]
    assert resumed == ["task-1"]
    assert done == {}  # the step succeeded: a deliberate re-run redoes everything


async def test_consecutive_subtasks_on_one_file_are_written_by_one_reply(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    only_first = "def to_f(c: float) -> float:\n    return c * 9 / 5 + 32\n"
    both = only_first + "\n\ndef to_c(f: float) -> float:\n    return (f - 32) * 5 / 9\n"
    scripted_llm.queue(fenced(only_first), fenced(both))
    context = make_context()
    CodingPlan.of(context).subtasks = [
        subtask(1, "conv/core.py", title="Implement the `to_f` Function"),
        subtask(2, "conv/core.py", title="Implement the `to_c` Function", depends_on=[1]),
        subtask(3, "conv/cli.py", title="CLI", depends_on=[2]),
    ]
    scripted_llm.on(r"Write the file `conv/cli.py`", fenced("from conv.core import to_c\n"))
    result = await _step().execute(context)
    prompt = scripted_llm.calls[0].prompt
    assert "[Task 1: Implement the `to_f` Function]" in prompt
    assert "[Task 2: Implement the `to_c` Function]" in prompt
    assert "Write the file `conv/core.py` for Tasks 1 and 2." in prompt
    assert "does not define `to_c` at module level" in scripted_llm.calls[1].prompt
    assert (workspace / "conv/core.py").read_text() == both
    assert context.keys[:2] == [
        "task-1..2/conv/core.py/attempt-1",
        "task-1..2/conv/core.py/attempt-2",
    ]
    assert "def to_c" in scripted_llm.calls[2].prompt  # the CLI saw the merged file
    finished = [d["subtask"] for k, d in context.events if k is EventType.SUBTASK_FINISHED]
    assert finished == ["task-1", "task-2", "task-3"]
    assert [row["unit"] for row in result.output["subtasks"]] == [
        "task-1..2",
        "task-1..2",
        "task-3",
    ]


async def test_a_rerun_takes_a_recorded_reply_its_file_already_holds_without_asking_again(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    # An interrupted execution: the replies of tasks 1 and 2 were recorded and their files
    # written, but the process died before either task was recorded as finished.
    scripted_llm.on(r"The file `pkg/b.py` already exists", fenced("B = 3\n"))
    scripted_llm.on(r"\[Task 1:", fenced("A = 1\n"))
    scripted_llm.on(r"\[Task 2:", fenced("B = 1\n"))
    context = make_context()
    CodingPlan.of(context).subtasks = [subtask(1, "pkg/a.py"), subtask(2, "pkg/b.py")]
    await _step().execute(context)
    context.state.data.clear()  # the saved state had not caught up with the finished tasks
    (workspace / "pkg/b.py").write_text("B = 2  # edited by hand\n")
    calls_before = len(scripted_llm.calls)

    result = await _step().execute(context)

    asked = [c.prompt for c in scripted_llm.calls[calls_before:]]
    assert len(asked) == 1  # nothing for task 1: its recorded reply is what pkg/a.py holds
    assert "The file `pkg/b.py` already exists" in asked[0]  # not what b.py holds any more
    assert (workspace / "pkg/a.py").read_text() == "A = 1\n"
    assert (workspace / "pkg/b.py").read_text() == "B = 3\n"
    assert [row["status"] for row in result.output["subtasks"]] == ["succeeded", "succeeded"]


async def test_a_recorded_reply_the_parser_now_rejects_is_not_taken(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    context = make_context()
    CodingPlan.of(context).subtasks = [subtask(1, "pkg/a.py")]
    context.replies["task-1/pkg/a.py/attempt-1"] = "no code in this reply"
    (workspace / "pkg").mkdir()
    (workspace / "pkg/a.py").write_text("no code in this reply")
    scripted_llm.on(r"Write the whole updated file `pkg/a.py`", fenced("A = 1\n"))
    await _step().execute(context)
    assert len(scripted_llm.calls) == 1
    assert (workspace / "pkg/a.py").read_text() == "A = 1\n"


async def test_every_prompt_shows_the_whole_plan_one_line_per_subtask(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.on(r"Write the file `wordfreq/counter.py`", fenced(COUNTER_SOURCE))
    scripted_llm.on(r"Write the file `wordfreq/top.py`", fenced(TOP_SOURCE))
    context = make_context()
    CodingPlan.of(context).subtasks = [
        subtask(1, "wordfreq/counter.py", title="Count words"),
        subtask(2, "wordfreq/top.py", title="Top words", depends_on=[1]),
    ]
    await _step().execute(context)
    for call in scripted_llm.calls:
        plan = call.prompt.split("[Plan]\n", 1)[1].split("\n\n", 1)[0]
        assert plan == (
            "- Task 1: Count words (`wordfreq/counter.py`)\n- Task 2: Top words (`wordfreq/top.py`)"
        )


async def test_a_plan_of_one_subtask_is_not_shown_beside_the_requirement_it_repeats(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.on(r"Write the file `solution.py` for the requirement\.", fenced("A = 1\n"))
    context = make_context()
    CodingPlan.of(context).subtasks = [subtask(1, "solution.py", title="Write `solution.py`")]
    await _step().execute(context)
    [prompt] = [call.prompt for call in scripted_llm.calls]
    assert prompt.startswith("You are implementing a python project.\n\n[Requirement]\n")
    assert "[Plan]" not in prompt and "[Task 1" not in prompt
    assert "Project conventions" not in prompt
