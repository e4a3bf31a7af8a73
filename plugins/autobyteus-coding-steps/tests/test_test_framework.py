"""test_generation writes pytest files named as the workspace type says: a workspace type of
another test framework (or of a file pattern pytest does not collect) is refused with a message
saying so, when the run starts, before any LLM call."""

from __future__ import annotations

from pathlib import Path

import autobyteus_coding_steps.plugin
import pytest
from autobyteus_coding_steps import CodingTests
from autobyteus_coding_steps.steps.test_generation_step import TestGenerationStep
from coding_steps_testkit.harness import MakeContext
from coding_steps_testkit.samples import (
    COUNTER_SOURCE,
    COUNTER_TESTS,
    PLAN_REPLY,
    TOP_SOURCE,
    fenced,
)

from autobyteus_core import (
    Application,
    AutomatedCodingWorkflow,
    StepFailedError,
    WorkspaceSetting,
    WorkspaceType,
    hookimpl,
)
from autobyteus_core.testing import RegisterPlugin, ScriptedLLM

#: A Node.js workspace type, as a plugin would register it.
NODE = WorkspaceType(
    name="node", detect_files=("package.json",), priority=20, test_framework="node:test"
)
REFUSAL = (
    "test_generation writes pytest tests (test_<module>.py), but workspace type 'node' uses "
    "node:test; turn generate_tests off, or use a step that writes tests for that framework"
)


class NodeTypes:
    @hookimpl
    def register_workspace_settings(self, register):  # type: ignore[no-untyped-def]
        register(NODE)


@pytest.fixture
def node_app(autobyteus_app: Application, register_plugin: RegisterPlugin, workspace: Path):  # type: ignore[no-untyped-def]
    """An application with the coding steps and the node type, and a Node.js workspace."""
    register_plugin(autobyteus_coding_steps.plugin, "coding_steps")
    register_plugin(NodeTypes(), "node_types")
    (workspace / "package.json").write_text("{}\n", encoding="utf-8")
    return autobyteus_app


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        (NODE, "workspace type 'node' uses node:test"),
        (
            WorkspaceType(name="bare", detect_files=("x",), test_framework=""),
            "workspace type 'bare' declares no test_framework",
        ),
    ],
)
async def test_a_workspace_type_of_another_framework_is_refused_plainly(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path, kind, says
) -> None:
    context = make_context()
    context.workspace = WorkspaceSetting(workspace, kind)
    context.write_file("src/counter.js", "export const count = (s) => s.split(' ').length;\n")
    with pytest.raises(StepFailedError) as caught:
        await TestGenerationStep("test_generation").execute(context)
    assert str(caught.value) == (
        f"test_generation writes pytest tests (test_<module>.py), but {says}; turn "
        "generate_tests off, or use a step that writes tests for that framework"
    )
    assert scripted_llm.calls == []
    assert not (workspace / "tests").exists()


def test_a_workspace_type_that_names_no_framework_gets_pytest_tests_as_before() -> None:
    """Types written before test_framework existed (plugin API 1.0-1.2) keep pytest tests."""
    kind = WorkspaceType(name="older", detect_files=("setup.py",))
    assert (kind.test_framework, kind.test_file_pattern) == ("pytest", "test_{module}.py")


DOCUMENT = """## Background
Count words.

## Functional requirements
1. `count_words(text)` counts lower-cased words; `top_words(text, n)` the n most common.

## Constraints
- Python 3.

## Acceptance criteria
1. `count_words("A a")` is `{"a": 2}`.
"""


async def test_a_run_in_a_workspace_of_another_framework_is_refused_before_any_llm_call(
    node_app: Application, workspace: Path
) -> None:
    # Replies for every step before test_generation: without the check at the start, the
    # requirement, the plan and both modules were paid for, then test_generation refused.
    llm = (
        ScriptedLLM()
        .on(r"Rewrite the requirement below", fenced(DOCUMENT, "markdown"))
        .on(r"\[SubtaskExample\]", PLAN_REPLY)
        .on(r"Write the file `wordfreq/counter.py`", fenced(COUNTER_SOURCE))
        .on(r"Write the file `wordfreq/top.py`", fenced(TOP_SOURCE))
    )
    workflow = AutomatedCodingWorkflow(app=node_app, workspace=workspace, model=llm)

    with pytest.raises(StepFailedError) as caught:
        await workflow.start(requirement="Count the words of a text.")

    assert str(caught.value) == REFUSAL
    assert llm.calls == []
    assert not (workspace / ".autobyteus").exists()


def test_with_generate_tests_off_the_run_is_not_refused(make_context: MakeContext) -> None:
    context = make_context()
    context.workspace = WorkspaceSetting(context.workspace.root, NODE)
    step = TestGenerationStep("test_generation", {"generate_tests": False})
    step.check_run(context)  # no refusal
    with pytest.raises(StepFailedError):
        TestGenerationStep("test_generation").check_run(context)


async def test_test_files_are_named_by_the_workspace_types_pattern(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    kind = WorkspaceType(name="suffixed", test_file_pattern="{module}_test.py", test_dir="checks")
    scripted_llm.on(r"Write the test file `checks/counter_test.py`", fenced(COUNTER_TESTS))
    context = make_context()
    context.workspace = WorkspaceSetting(workspace, kind)
    context.write_file("wordfreq/counter.py", COUNTER_SOURCE)

    await TestGenerationStep("test_generation").execute(context)

    assert (workspace / "checks/counter_test.py").read_text() == COUNTER_TESTS
    assert CodingTests.of(context).test_files == ["checks/counter_test.py"]


@pytest.mark.parametrize("pattern", ["check_{module}.py", "{module}.test.js", "test_x.py"])
def test_a_file_pattern_pytest_would_not_collect_is_refused(
    make_context: MakeContext, pattern: str
) -> None:
    context = make_context()
    kind = WorkspaceType(name="odd", test_file_pattern=pattern)
    context.workspace = WorkspaceSetting(context.workspace.root, kind)
    with pytest.raises(StepFailedError) as caught:
        TestGenerationStep("test_generation").check_run(context)
    assert str(caught.value) == (
        "test_generation writes pytest files named test_*.py or *_test.py, but workspace type "
        f"'odd' names its test files {pattern!r}; give it a test_file_pattern such as "
        "'test_{module}.py', or turn generate_tests off"
    )
