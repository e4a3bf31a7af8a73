"""test_generation writes pytest files: a workspace type of another test framework is refused
with a message saying so, before any LLM call."""

from __future__ import annotations

from pathlib import Path

import pytest
from autobyteus_coding_steps.steps.test_generation_step import TestGenerationStep
from coding_steps_harness import MakeContext

from autobyteus_core import StepFailedError, WorkspaceSetting, WorkspaceType
from autobyteus_core.testing import ScriptedLLM

NODE = WorkspaceType(name="node", test_framework="node:test")


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
