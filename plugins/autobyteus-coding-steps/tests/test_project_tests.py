"""The project's own tests: the baseline taken before the first change, regressions against
it, and tests that were failing already (real pytest runs in the workspace)."""

from __future__ import annotations

from pathlib import Path

from autobyteus_coding_steps import CodingTests
from autobyteus_coding_steps.options import StepOptions
from autobyteus_coding_steps.progress import STATE_KEY
from autobyteus_coding_steps.project_tests import file_of_test, record_baseline
from autobyteus_coding_steps.steps.run_tests_step import RunTestsStep
from coding_steps_testkit.harness import MakeContext
from coding_steps_testkit.samples import fenced

from autobyteus_core.testing import ScriptedLLM

TEMP_SOURCE = "def to_f(c: float) -> float:\n    return c * 9 / 5 + 32\n"
WRONG_TEMP_SOURCE = "def to_f(c: float) -> float:\n    return c * 9 / 5\n"
TEMP_TEST = (
    "from temp.conv import to_f\n\n\ndef test_to_f() -> None:\n    assert to_f(100) == 212.0\n"
)
KNOWN_BUG = "def test_known_bug() -> None:\n    assert 1 + 1 == 3\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


async def test_the_baseline_is_taken_once_before_any_change(
    make_context: MakeContext, workspace: Path
) -> None:
    context = make_context()
    options = StepOptions()
    assert await record_baseline(context, options) is None  # no test file yet
    _write(workspace, {"temp/conv.py": TEMP_SOURCE, "tests/test_conv.py": TEMP_TEST})
    _write(workspace, {"tests/test_old.py": KNOWN_BUG})
    taken = await record_baseline(context, options)
    assert taken is not None
    assert taken["passed"] == ["tests.test_conv::test_to_f"]
    assert taken["failed"] == ["tests.test_old::test_known_bug"]
    assert context.state.data[STATE_KEY]["baseline"] == taken
    assert await record_baseline(context, options) is None  # taken already
    fresh = make_context()
    fresh.write_file("temp/other.py", "X = 1\n")
    assert await record_baseline(fresh, options) is None  # the run has changed files


async def test_a_test_that_passed_before_the_run_is_never_judged_wrong_its_code_is_fixed(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"give your verdict on a line of its own", "CODE")  # "the test is wrong"
    scripted_llm.on(r"The file to fix, `temp/conv.py`", fenced(TEMP_SOURCE))
    scripted_llm.on(r"The file to fix, `tests/test_conv.py`", "NO CHANGE")
    context = make_context()
    _write(workspace, {"temp/conv.py": TEMP_SOURCE, "tests/test_conv.py": TEMP_TEST})
    await record_baseline(context, StepOptions())
    # the run rewrote both files, and broke the code
    context.write_file("tests/test_conv.py", TEMP_TEST)
    context.write_file("temp/conv.py", WRONG_TEMP_SOURCE)

    result = await RunTestsStep("run_tests").execute(context)

    assert result.output["passed"] and result.output["fix_rounds"] == 1
    assert not any("give your verdict" in prompt for prompt in context.prompts())
    assert (workspace / "tests/test_conv.py").read_text(encoding="utf-8") == TEMP_TEST
    first = CodingTests.of(context).test_results[0]
    assert first["regressions"] == ["tests.test_conv::test_to_f"]
    assert context.keys[0] == "fix-round-1/temp/conv.py/attempt-1"  # the code first
    assert CodingTests.of(context).regressions == []


async def test_tests_failing_already_before_the_run_do_not_fail_it(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    context = make_context()
    _write(workspace, {"tests/test_old.py": KNOWN_BUG, "temp/conv.py": TEMP_SOURCE})
    await record_baseline(context, StepOptions())
    context.write_file("tests/test_conv.py", TEMP_TEST)

    result = await RunTestsStep("run_tests").execute(context)

    assert scripted_llm.calls == []
    assert result.summary == (
        "tests pass on the first run (1 passed, 1 failed); 1 test(s) fail as they did before "
        "the run"
    )
    assert CodingTests.of(context).test_results[0]["failing_before"] == [
        "tests.test_old::test_known_bug"
    ]


def test_a_test_is_found_in_its_file_even_inside_a_class() -> None:
    files = ["tests/test_a.py", "pkg/tests/test_b.py"]
    assert file_of_test("tests.test_a::test_x", files) == "tests/test_a.py"
    assert file_of_test("pkg.tests.test_b.TestB::test_y", files) == "pkg/tests/test_b.py"
    assert file_of_test("elsewhere::test_z", files) is None
