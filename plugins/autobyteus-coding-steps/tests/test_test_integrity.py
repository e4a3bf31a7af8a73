"""Test outcome integrity: generated files may not change how their tests are judged.

The issue's attack first: an implementation reply that plants a ``conftest.py`` whose
``pytest_runtest_makereport`` hook turns failures into passes made a failing run green.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from autobyteus_coding_steps import CodingPlan
from autobyteus_coding_steps.parsing.tasks import parse_subtasks
from autobyteus_coding_steps.steps.implementation_step import ImplementationStep
from autobyteus_coding_steps.test_integrity import pytest_config_problem, pytest_hooks
from coding_steps_testkit.harness import MakeContext
from coding_steps_testkit.samples import fenced, subtask

from autobyteus_core import (
    Application,
    AutobyteusSettings,
    AutomatedCodingWorkflow,
    StepFailedError,
    WorkflowStatus,
)
from autobyteus_core.testing import ScriptedLLM

PASS_EVERYTHING = """\
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
"""

FIXTURES_ONLY = """\
import pytest


@pytest.fixture
def sample() -> str:
    return "a b a"
"""

PLAN = """\
#### Task 1: Implement the `double` Function
#task start#
- **Objective**: Double a number.
- **File Specification**: `calc/double.py`
- **Functionality Details**: `double(x)` returns `2 * x`.
- **Integration Points**: None.
#task end#

#### Task 2: Test helpers
#task start#
- **Objective**: Shared test set-up, in the files you choose.
- **Integration Points**: Task 1.
#task end#
"""

WRONG = 'def double(x: int) -> int:\n    """Twice x (wrongly)."""\n    return x + 1\n'
TESTS = (
    "from calc.double import double\n\n\ndef test_double() -> None:\n    assert double(3) == 6\n"
)


@pytest.fixture
def app(autobyteus_app: Application, register_plugin: Any) -> Application:
    import autobyteus_coding_steps.plugin

    register_plugin(autobyteus_coding_steps.plugin, "coding_steps")
    return autobyteus_app


async def test_a_planted_conftest_no_longer_turns_a_failing_run_green(
    app: Application, workspace: Path
) -> None:
    llm = (
        ScriptedLLM()
        .on(r"Rewrite the requirement below", "```markdown\n## Background\nDoubling.\n```")
        .on(r"\[SubtaskExample\]", PLAN)
        .on(r"Write the file `calc/double.py`", fenced(WRONG))
        .on(r"Task 2", f"`tests/conftest.py`\n```python\n{PASS_EVERYTHING}```\n")
        .on(r"Write the test file", fenced(TESTS))
        .on(r"The file to fix", "NO CHANGE")
    )
    settings = AutobyteusSettings.load(workspace, max_concurrency=1)
    workflow = AutomatedCodingWorkflow(app=app, workspace=workspace, settings=settings, model=llm)

    run = await workflow.start(requirement="double a number")

    assert run.status is not WorkflowStatus.SUCCEEDED
    assert not (workspace / "tests" / "conftest.py").exists()
    reasks = [c.prompt for c in llm.calls if "'conftest.py' is pytest configuration" in c.prompt]
    assert reasks  # the model was told why


def test_a_plan_may_not_name_pytest_configuration() -> None:
    for path in ("conftest.py", "tests/conftest.py", "pytest.ini", ".env", "sub/autobyteus.toml"):
        plan = PLAN.replace("calc/double.py", path)
        result = parse_subtasks(plan)
        assert not result.ok, path
        assert any(path.rsplit("/", 1)[-1] in issue.message for issue in result.issues), path


async def test_an_implementation_reply_for_a_planned_conftest_is_refused(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"conftest", fenced(FIXTURES_ONLY))
    context = make_context()
    CodingPlan.of(context).subtasks = [subtask(1, "tests/conftest.py")]
    with pytest.raises(StepFailedError, match="pytest configuration"):
        await ImplementationStep("implementation", {}).execute(context)
    assert not (workspace / "tests" / "conftest.py").exists()


def test_test_writing_may_hold_fixtures_but_no_hooks() -> None:
    def problem(content: str, *, writes_tests: bool = True) -> str | None:
        return pytest_config_problem(
            "tests/conftest.py", content.encode(), None, writes_tests=writes_tests
        )

    assert problem(FIXTURES_ONLY) is None
    assert "pytest_runtest_makereport" in (problem(PASS_EVERYTHING) or "")
    assert "pytest_plugins" in (problem('pytest_plugins = ["evil"]\n') or "")
    assert "pytest_collection_modifyitems" in (
        problem('globals()["pytest_collection_modifyitems"] = print\n') or ""
    )
    assert "pytest configuration" in (problem(FIXTURES_ONLY, writes_tests=False) or "")
    assert pytest_hooks("def pytest_sessionfinish(session): pass\n") == ["pytest_sessionfinish"]


@pytest.mark.parametrize(
    ("path", "old", "new", "verdict"),
    [
        ("pyproject.toml", None, '[project]\nname = "x"\n', None),
        ("pyproject.toml", None, "[tool.pytest.ini_options]\naddopts = '-p evil'\n", "adds"),
        ("pyproject.toml", "[tool.pytest.ini_options]\nx = 1\n", "[tool.pytest.ini_options]\nx = 1\n", None),
        ("pyproject.toml", "[tool.pytest.ini_options]\nx = 1\n", "[tool.pytest.ini_options]\nx = 2\n", "changes"),
        ("setup.cfg", "[metadata]\nname = x\n", "[metadata]\nname = y\n", None),
        ("setup.cfg", None, "[tool:pytest]\naddopts = -p evil\n", "adds"),
        ("tox.ini", "[pytest]\naddopts = -q\n", "[tox]\n", "removes"),
        ("pytest.ini", None, "[pytest]\n", "pytest configuration"),
    ],
)  # fmt: skip
def test_pytest_sections_of_shared_config_files_may_not_change(
    path: str, old: str | None, new: str, verdict: str | None
) -> None:
    found = pytest_config_problem(
        path, new.encode(), old.encode() if old else None, writes_tests=False
    )
    if verdict is None:
        assert found is None
    else:
        assert found is not None and verdict in found
