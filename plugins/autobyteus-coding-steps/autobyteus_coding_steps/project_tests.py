"""The workspace's own test command: how it runs, its result before the run changed anything
(the baseline), and the tests the run broke (regressions: passed in the baseline, fail now)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from autobyteus_coding_steps.progress import STATE_KEY
from autobyteus_coding_steps.workspace_files import is_test_path
from autobyteus_core import child_environment, is_pytest, run_pytest

if TYPE_CHECKING:
    from autobyteus_coding_steps.options import StepOptions
    from autobyteus_core import ProcessOutcome, PytestVerdict, WorkflowContext, WorkspaceSetting

#: Added to the test command's environment: one line per failure (where it failed and the
#: assertion with its values; a small model reads that better than a page of traceback, and the
#: files are shown whole anyway) and no deprecation noise (plugins of the interpreter warn about
#: their own configuration), so the LLM reads only the failure.
TEST_ENVIRONMENT = {"PYTEST_ADDOPTS": "--tb=line", "PYTHONWARNINGS": "ignore::DeprecationWarning"}
#: Where the baseline is kept: ``state.data[STATE_KEY][BASELINE_KEY]``.
BASELINE_KEY = "baseline"
_FAILED = ("failed", "error")


async def run_test_command(
    context: WorkflowContext, options: StepOptions, command: list[str], *, purpose: str = "tests"
) -> tuple[ProcessOutcome, PytestVerdict | None]:
    """Run the test command in the sandbox; pytest's verdict too when it is pytest."""
    run_options: dict[str, Any] = {
        "purpose": purpose,
        "timeout_s": options.test_timeout_s,
        "max_output_chars": options.max_output_chars,
        "env": child_environment(TEST_ENVIRONMENT),
    }
    if is_pytest(command):
        return await run_pytest(context.run_code, command, **run_options)
    return await context.run_code(command, **run_options), None


def existing_tests(workspace: WorkspaceSetting) -> list[str]:
    """The workspace's Python test files (``test_*.py``, ``*_test.py``, the test folder's)."""
    return [
        path
        for path in workspace.files()
        if path.endswith(".py")
        and is_test_path(path, workspace.test_dir)
        and PurePosixPath(path).name != "conftest.py"
    ]


def baseline(context: WorkflowContext) -> dict[str, Any] | None:
    """The recorded baseline of the run, if one was taken."""
    found = context.state.data.get(STATE_KEY, {}).get(BASELINE_KEY)
    return found if isinstance(found, dict) else None


async def record_baseline(context: WorkflowContext, options: StepOptions) -> dict[str, Any] | None:
    """Run the workspace's tests once before the run's first change and record how each
    ended; nothing when the workspace has no pytest command or no test file yet, when the
    baseline was taken already, or when the run has already written files."""
    if baseline(context) is not None or context.state.files_written:
        return None
    command = context.workspace.test_command
    if not command or not is_pytest(command) or not existing_tests(context.workspace):
        return None
    outcome, verdict = await run_test_command(context, options, command, purpose="baseline")
    cases = dict(verdict.cases) if verdict else {}
    record: dict[str, Any] = {
        "passed": sorted(t for t, ending in cases.items() if ending == "passed"),
        "failed": sorted(t for t, ending in cases.items() if ending in _FAILED),
        "counts": verdict.counts if verdict else "",
        "ending": outcome.ending(),
    }
    context.state.data.setdefault(STATE_KEY, {})[BASELINE_KEY] = record
    context.note({"type": "baseline", "step": context.step_id, **record})
    await context.checkpoint()
    return record


def regressions(base: dict[str, Any] | None, cases: dict[str, str]) -> list[str]:
    """The tests that passed in ``base`` and failed (or errored) in ``cases``."""
    if not base:
        return []
    return [test for test in base.get("passed", []) if cases.get(test) in _FAILED]


def failing_as_before(base: dict[str, Any] | None, cases: dict[str, str]) -> list[str]:
    """The failing tests of ``cases`` when every one of them failed in ``base`` too (the run
    broke nothing; they were broken before it); empty otherwise."""
    failing = sorted(test for test, ending in cases.items() if ending in _FAILED)
    before = set(base.get("failed", [])) if base else set()
    return failing if failing and set(failing) <= before else []


def file_of_test(test: str, files: list[str]) -> str | None:
    """The workspace file of the test ``tests.test_mod::test_name`` (a class in the module
    name is allowed: ``tests.test_mod.TestX::test_y``), if it is one of ``files``."""
    parts = test.split("::", 1)[0].split(".")
    known = set(files)
    for end in range(len(parts), 0, -1):
        candidate = "/".join(parts[:end]) + ".py"
        if candidate in known:
            return candidate
    return None
