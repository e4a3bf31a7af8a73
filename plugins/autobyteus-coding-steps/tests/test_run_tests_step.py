"""RunTestsStep: the import check, real test runs in a subprocess, and whole-file fix rounds."""

from __future__ import annotations

from pathlib import Path

import pytest
from autobyteus_coding_steps import CodingTests
from autobyteus_coding_steps.expectation_checks import stated_by_user
from autobyteus_coding_steps.steps.run_tests_step import RunTestsStep, missing_runner
from coding_steps_testkit.harness import FakeContext, MakeContext
from coding_steps_testkit.samples import COUNTER_SOURCE, COUNTER_TESTS, fenced

from autobyteus_core import StepFailedError, WorkspaceSetting, python_workspace
from autobyteus_core.testing import ScriptedLLM

BUGGY_COUNTER = COUNTER_SOURCE.replace("counts.get(word, 0) + 1", "1")


def _project(context: FakeContext, files: dict[str, str]) -> None:
    for path, content in files.items():
        context.write_file(path, content)


def _buggy_counter_project(context: FakeContext) -> None:
    _project(
        context,
        {
            "wordfreq/__init__.py": "",
            "wordfreq/counter.py": BUGGY_COUNTER,
            "tests/test_counter.py": COUNTER_TESTS,
        },
    )


async def test_passing_tests_need_no_llm(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    context = make_context()
    _project(
        context,
        {
            "wordfreq/__init__.py": "",
            "wordfreq/counter.py": COUNTER_SOURCE,
            "tests/test_counter.py": COUNTER_TESTS,
        },
    )
    result = await RunTestsStep("run_tests").execute(context)
    assert scripted_llm.calls == []
    assert result.summary == "tests pass on the first run (2 passed)"
    [record] = CodingTests.of(context).test_results
    assert record["passed"] and record["phase"] == "tests" and record["round"] == 0
    assert record["step_id"] == "step"


async def test_a_failing_test_is_fixed_by_a_whole_file_reply(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"The file to fix, `wordfreq/counter.py`", fenced(COUNTER_SOURCE))
    scripted_llm.on(r"The file to fix, `tests/test_counter.py`", "NO CHANGE")
    context = make_context()
    _buggy_counter_project(context)
    result = await RunTestsStep("run_tests").execute(context)
    assert result.output["rounds"] == 1
    assert (workspace / "wordfreq/counter.py").read_text() == COUNTER_SOURCE
    # the failure is an assertion in the test: the test is asked first, then the module it tests
    assert context.keys == [
        "fix-round-1/tests/test_counter.py/attempt-1",
        "fix-round-1/wordfreq/counter.py/attempt-1",
    ]
    fix_prompt = scripted_llm.calls[1].prompt
    assert "The tests of a python project fail" in fix_prompt
    assert "test_counts_words_case_insensitively" in fix_prompt
    assert str(workspace) not in fix_prompt  # paths are shown relative to the workspace
    assert "The file `tests/test_counter.py`" in fix_prompt  # the failing test is shown too
    assert "The file `wordfreq/counter.py`" in scripted_llm.calls[0].prompt
    first, second = CodingTests.of(context).test_results
    assert not first["passed"] and first["fixed_files"] == ["wordfreq/counter.py"]
    assert first["unchanged_files"] == ["tests/test_counter.py"]
    assert first["blamed_files"][0] == "tests/test_counter.py"
    assert "1 failed" in first["counts"]
    assert second["passed"] and second["round"] == 1


async def test_a_large_file_is_fixed_by_an_edit_block(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    fix = (
        "<<<<<<< SEARCH\n        counts[word] = 1\n=======\n"
        "        counts[word] = counts.get(word, 0) + 1\n>>>>>>> REPLACE\n"
    )
    scripted_llm.on(r"The file to fix, `wordfreq/counter.py`", fix)
    scripted_llm.on(r"The file to fix, `tests/test_counter.py`", "NO CHANGE")
    context = make_context()
    _buggy_counter_project(context)
    step = RunTestsStep("run_tests", {"edit_blocks_above_chars": len(COUNTER_TESTS)})
    result = await step.execute(context)
    assert result.output["rounds"] == 1
    assert (workspace / "wordfreq/counter.py").read_text() == COUNTER_SOURCE
    test_prompt, module_prompt = (call.prompt for call in scripted_llm.calls)
    assert "Reply with the whole corrected file `tests/test_counter.py`" in test_prompt
    assert "Change `wordfreq/counter.py` with search/replace edit blocks" in module_prompt
    assert "Reply with the whole corrected file" not in module_prompt


async def test_import_check_catches_a_missing_name_before_pytest(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    wrong_tests = COUNTER_TESTS.replace(
        "from wordfreq.counter import count_words",
        "from wordfreq.counter import count_words, WordCounter",
    )
    scripted_llm.on(r"The file to fix, `wordfreq/counter.py`", "NO CHANGE")
    scripted_llm.on(r"The file to fix, `tests/test_counter.py`", fenced(COUNTER_TESTS))
    context = make_context()
    _project(
        context,
        {
            "wordfreq/__init__.py": "",
            "wordfreq/counter.py": COUNTER_SOURCE,
            "tests/test_counter.py": wrong_tests,
        },
    )
    await RunTestsStep("run_tests").execute(context)
    first = CodingTests.of(context).test_results[0]
    assert first["phase"] == "import_check"
    assert "cannot import name 'WordCounter' from 'wordfreq.counter'" in first["output"]
    assert first["blamed_files"] == ["tests/test_counter.py", "wordfreq/counter.py"]
    assert "fail to import" in scripted_llm.calls[0].prompt
    assert first["fixed_files"] == ["tests/test_counter.py"]
    assert CodingTests.of(context).test_results[1]["passed"]


async def test_a_name_the_requirement_imports_from_the_package_is_checked_before_the_tests(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    exported = "from .counter import count_words\n"
    scripted_llm.on(r"The file to fix, `wordfreq/__init__.py`", fenced(exported))
    scripted_llm.on(r"The file to fix, `", "NO CHANGE")
    context = make_context()
    context.state.requirement = "Write `from wordfreq import count_words`, counting words."
    _project(
        context,
        {
            "wordfreq/__init__.py": "",
            "wordfreq/counter.py": COUNTER_SOURCE,
            "tests/test_counter.py": COUNTER_TESTS,
        },
    )
    result = await RunTestsStep("run_tests").execute(context)
    first = CodingTests.of(context).test_results[0]
    assert first["phase"] == "import_check"
    assert "`wordfreq` does not provide `count_words`" in first["output"]
    assert first["blamed_files"][:2] == ["wordfreq/__init__.py", "wordfreq/counter.py"]
    assert first["fixed_files"] == ["wordfreq/__init__.py"]
    assert result.summary == "tests pass after 1 fix round(s) (2 passed)"


async def test_a_test_importing_from_the_package_gets_the_module_behind_it_fixed(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"The file to fix, `wordfreq/counter.py`", fenced(COUNTER_SOURCE))
    scripted_llm.on(r"The file to fix, `", "NO CHANGE")
    scripted_llm.on(r"", "code")  # the verdict: the code is wrong
    context = make_context()
    _project(
        context,
        {
            "wordfreq/__init__.py": "from .counter import count_words\n",
            "wordfreq/counter.py": BUGGY_COUNTER,
            "tests/test_counter.py": COUNTER_TESTS.replace("wordfreq.counter", "wordfreq"),
        },
    )
    await RunTestsStep("run_tests").execute(context)
    first = CodingTests.of(context).test_results[0]
    assert "wordfreq/counter.py" in first["fixed_files"]
    assert CodingTests.of(context).test_results[-1]["passed"]


async def test_a_missing_test_runner_is_reported_once_and_never_sent_to_the_model(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    # -S leaves out site-packages, where pytest is: the runner is missing, the code is fine.
    workspace_type = python_workspace().model_copy(
        update={"test_command": ("{python}", "-S", "-m", "pytest", "-q")}
    )
    context = make_context()
    context.workspace = WorkspaceSetting.detect(workspace, [workspace_type])
    _project(
        context, {"wordfreq/counter.py": BUGGY_COUNTER, "tests/test_counter.py": COUNTER_TESTS}
    )
    with pytest.raises(StepFailedError, match=r"the test runner `pytest` is not installed") as exc:
        await RunTestsStep("run_tests").execute(context)
    assert "-m pip install pytest" in str(exc.value)
    assert scripted_llm.calls == []


def test_a_missing_runner_is_recognised_in_the_import_check_too() -> None:
    command = ["/venv/bin/python", "-m", "pytest", "-q"]
    found = missing_runner(command, "ModuleNotFoundError: No module named 'pytest'")
    assert found is not None and "`/venv/bin/python -m pip install pytest`" in found
    assert missing_runner(command, "ModuleNotFoundError: No module named 'pytest_mock'") is None
    assert missing_runner(command, "ModuleNotFoundError: No module named 'wordfreq'") is None


async def test_rounds_that_end_failing_leave_the_files_of_the_round_that_passed_most(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    invented = (
        "from wordfreq.counter import count_words\n\n\n"
        "def test_counts() -> None:\n    assert count_words('a a') == {'a': 2}\n\n\n"
        "def test_invented() -> None:\n    assert not count_words('x')\n"
    )
    broken = COUNTER_SOURCE.replace("counts: dict", "raise RuntimeError('no')\n    counts: dict")
    scripted_llm.on(r"The file to fix, `wordfreq/counter.py`", fenced(broken))
    scripted_llm.on(r"The file to fix, `", "NO CHANGE")
    scripted_llm.on(r"", "code")  # any verdict: the code is wrong
    context = make_context()
    _project(context, {"wordfreq/counter.py": COUNTER_SOURCE, "tests/test_counter.py": invented})
    step = RunTestsStep("run_tests", {"fix_rounds": 1})
    with pytest.raises(StepFailedError, match=r"wordfreq/counter\.py put back as in round 0"):
        await step.execute(context)
    assert (workspace / "wordfreq/counter.py").read_text() == COUNTER_SOURCE
    assert CodingTests.of(context).test_results[-1]["restored"] == {
        "round": 0,
        "files": ["wordfreq/counter.py"],
    }


async def test_a_fix_that_imports_a_missing_name_is_re_asked(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    still_wrong = COUNTER_TESTS.replace("count_words\n", "count_words, Missing\n", 1)
    scripted_llm.on(r"The file to fix, `wordfreq/counter.py`", fenced(COUNTER_SOURCE))
    scripted_llm.queue(fenced(still_wrong), "NO CHANGE")
    context = make_context()
    _project(
        context, {"wordfreq/counter.py": BUGGY_COUNTER, "tests/test_counter.py": COUNTER_TESTS}
    )
    await RunTestsStep("run_tests").execute(context)
    reasks = [c.prompt for c in scripted_llm.calls if c.prompt.startswith("Your reply could not")]
    assert any("`wordfreq.counter` has no `Missing` to import" in p for p in reasks)


async def test_gives_up_after_the_configured_rounds(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.on(r"The file to fix|again from the requirement", "NO CHANGE")
    context = make_context()
    _project(
        context, {"wordfreq/counter.py": BUGGY_COUNTER, "tests/test_counter.py": COUNTER_TESTS}
    )
    with pytest.raises(StepFailedError, match=r"the tests still fail after 1 fix round\(s\)"):
        await RunTestsStep("run_tests", {"fix_rounds": 1}).execute(context)
    assert [r["round"] for r in CodingTests.of(context).test_results] == [0, 1]
    assert all(not r["passed"] for r in CodingTests.of(context).test_results)
    assert "fix_round" not in CodingTests.of(context).test_results[-1]


async def test_a_hanging_test_run_is_stopped_and_reported(make_context: MakeContext) -> None:
    hanging = "import time\n\n\ndef test_forever() -> None:\n    time.sleep(600)\n"
    context = make_context()
    _project(context, {"tests/test_hang.py": hanging})
    step = RunTestsStep("run_tests", {"fix_rounds": 0, "test_timeout_s": 4})
    with pytest.raises(StepFailedError, match="did not finish within 4 s"):
        await step.execute(context)
    [record] = CodingTests.of(context).test_results
    assert record["timed_out"] and record["returncode"] is None


async def test_a_test_that_prints_a_pass_and_exits_early_is_reported_failed(
    make_context: MakeContext,
) -> None:
    # Exit status 0 and a pytest-like "passed" line, but pytest never got to write its report.
    forged = (
        "import os\n\n\ndef test_forged(capfd) -> None:\n    with capfd.disabled():\n"
        "        print('==== 7 passed in 0.01s ====', flush=True)\n    os._exit(0)\n"
    )
    context = make_context()
    _project(context, {"tests/test_forged.py": forged})
    step = RunTestsStep("run_tests", {"fix_rounds": 0})
    with pytest.raises(StepFailedError, match="pytest wrote no report"):
        await step.execute(context)
    [record] = CodingTests.of(context).test_results
    assert not record["passed"] and record["returncode"] == 0
    assert "7 passed" in record["output"] and record["counts"] == ""


async def test_rerunning_the_step_replaces_its_own_records(
    make_context: MakeContext,
) -> None:
    context = make_context()
    CodingTests.of(context).test_results = [{"step_id": "step", "round": 0}, {"step_id": "other"}]
    _project(
        context, {"pkg/a.py": "A = 1\n", "tests/test_a.py": "def test_a() -> None:\n    pass\n"}
    )
    await RunTestsStep("run_tests").execute(context)
    assert [r["step_id"] for r in CodingTests.of(context).test_results] == ["other", "step"]


async def test_a_round_that_changes_nothing_is_followed_by_one_that_insists_then_it_stops(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.on(r"The file to fix|again from the requirement", "NO CHANGE")
    context = make_context()
    _project(
        context, {"wordfreq/counter.py": BUGGY_COUNTER, "tests/test_counter.py": COUNTER_TESTS}
    )
    with pytest.raises(StepFailedError, match="stopped early: two rounds changed no file"):
        await RunTestsStep("run_tests", {"fix_rounds": 5}).execute(context)
    assert [r["round"] for r in CodingTests.of(context).test_results] == [0, 1]
    assert context.keys == [
        "fix-round-1/tests/test_counter.py/attempt-1",
        "fix-round-1/wordfreq/counter.py/attempt-1",
        "fix-round-2/tests/test_counter.py/attempt-1",  # an unchanged reply is not re-asked
        "fix-round-2/wordfreq/counter.py/attempt-1",
    ]
    insisting = scripted_llm.calls[2].prompt
    assert "must change now" in insisting and "NO CHANGE only if" not in insisting
    # The module, given back unchanged, is asked for afresh, without its code.
    afresh = scripted_llm.calls[3].prompt
    assert "Write `wordfreq/counter.py` again from the requirement" in afresh
    assert BUGGY_COUNTER not in afresh and "NO CHANGE" not in afresh
    # A test file's fix is limited like the tests (see the next test), a module's is not.
    assert [call.options for call in scripted_llm.calls] == [{"max_tokens": 1024}, {}] * 2
    assert CodingTests.of(context).test_results[1]["unchanged_files"] == [
        "tests/test_counter.py",
        "wordfreq/counter.py",
    ]


TEMP_SOURCE = "def to_f(c: float) -> float:\n    return c * 9 / 5 + 32\n"
TEMP_TESTS = (
    "import pytest\n\nfrom temp.conv import to_f\n\n\ndef test_to_f() -> None:\n"
    "    assert to_f(100) == pytest.approx(212.0)\n"
    "    assert to_f(32) == pytest.approx(0.0)\n"
)


async def test_a_wrong_expected_value_judged_by_the_model_is_corrected_in_the_test(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"give your verdict on a line of its own", "CODE")
    context = make_context()
    _project(context, {"temp/conv.py": TEMP_SOURCE, "tests/test_conv.py": TEMP_TESTS})
    result = await RunTestsStep("run_tests").execute(context)
    assert (
        result.summary
        == "tests pass on the first run and 1 corrected test expectation(s) (1 passed)"
    )
    assert result.output["fix_rounds"] == 0
    assert context.keys == ["check-1/tests/test_conv.py:8/attempt-1"]
    assert scripted_llm.calls[0].options == {"max_tokens": 384}
    question = scripted_llm.calls[0].prompt
    assert "`to_f(32)` gives `89.6`, but the test expects `0.0`" in question
    assert "The code, `temp/conv.py`" in question
    assert (
        "assert to_f(32) == pytest.approx(89.6)" in (workspace / "tests/test_conv.py").read_text()
    )
    first = CodingTests.of(context).test_results[0]
    assert first["expectations"]["corrected"] == [
        {
            "path": "tests/test_conv.py",
            "line": 8,
            "call": "to_f(32)",
            "expected": "0.0",
            "actual": "89.6",
        }
    ]


#: ``to_f`` without the ``+ 32``, and a test of the value the requirement gives.
WRONG_TEMP_SOURCE = "def to_f(c: float) -> float:\n    return c * 9 / 5\n"
TEMP_TEST_100 = (
    "from temp.conv import to_f\n\n\ndef test_to_f() -> None:\n    assert to_f(100) == 212.0\n"
)


async def _conv_fixed(
    make_context: MakeContext, scripted_llm: ScriptedLLM, code: str, fix: str
) -> tuple[str, str]:
    """Run the step on ``temp/conv.py`` written as ``code`` and tested by TEMP_TEST_100, the model
    judging every value check for the test and answering ``fix`` to the code file's fix prompt:
    the step's summary and that fix prompt."""
    scripted_llm.on(r"give your verdict on a line of its own", "TEST")
    scripted_llm.on(r"The file to fix, `temp/conv.py`", fenced(fix))
    scripted_llm.on(r"The file to fix, `tests/test_conv.py`", "NO CHANGE")
    context = make_context()
    _project(context, {"temp/conv.py": code, "tests/test_conv.py": TEMP_TEST_100})
    result = await RunTestsStep("run_tests").execute(context)
    fix_prompt = next(
        c.prompt for c in scripted_llm.calls if "The file to fix, `temp/conv.py`" in c.prompt
    )
    return result.summary, fix_prompt


async def test_a_value_the_model_says_the_test_has_right_goes_to_the_code_fix(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    summary, fix_prompt = await _conv_fixed(
        make_context, scripted_llm, WRONG_TEMP_SOURCE, TEMP_SOURCE
    )
    assert summary == "tests pass after 1 fix round(s) (1 passed)"
    assert (
        "- `to_f(100)` should return `212.0` (the requirement says so) but returns `180.0`"
        in fix_prompt
    )
    assert (workspace / "temp/conv.py").read_text() == TEMP_SOURCE
    assert (workspace / "tests/test_conv.py").read_text() == TEMP_TEST_100


async def test_a_check_the_users_requirement_states_is_never_rewritten_to_what_the_code_does(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"give your verdict on a line of its own", "CODE")  # a wrong verdict
    scripted_llm.on(r"The file to fix, `temp/conv.py`", fenced(TEMP_SOURCE))
    scripted_llm.on(r"The file to fix, `tests/test_conv.py`", "NO CHANGE")
    context = make_context()
    context.state.requirement = "`to_f(c)` converts Celsius: `to_f(100)` returns `212.0`."
    _project(context, {"temp/conv.py": WRONG_TEMP_SOURCE, "tests/test_conv.py": TEMP_TEST_100})
    result = await RunTestsStep("run_tests").execute(context)
    assert result.summary == "tests pass after 1 fix round(s) (1 passed)"
    assert not any("verdict" in c.prompt for c in scripted_llm.calls)  # never asked
    assert (workspace / "tests/test_conv.py").read_text() == TEMP_TEST_100
    assert (workspace / "temp/conv.py").read_text() == TEMP_SOURCE


def test_a_check_is_stated_by_the_user_when_one_line_gives_the_call_then_the_value() -> None:
    assert stated_by_user("Example: `to_f( 100 )` returns `212.0`.", "to_f(100)", "212.0")
    assert stated_by_user("- to_c(-500) raises ValueError", "to_c(-500)", "ValueError")
    assert not stated_by_user("212.0 is to_f(100)", "to_f(100)", "212.0")  # value first
    assert not stated_by_user("to_f(100) is hot.\nIt is 212.0", "to_f(100)", "212.0")
    assert not stated_by_user("to_f(100) returns 212", "to_f(100)", "212.0")
    assert not stated_by_user("anything", "", "1")


def test_the_verdict_is_the_last_word() -> None:
    from autobyteus_coding_steps.expectation_checks import parse_verdict

    assert parse_verdict("32 + 273.15 = 305.15, so the test is wrong.\n\nCODE").value == "CODE"
    assert parse_verdict("The code says 180; TEST").value == "TEST"
    assert not parse_verdict("I am not sure.").ok
    assert not parse_verdict("The test expects 273.15 but the code gives -273.15.").ok
    assert parse_verdict("**TEST**").value == "TEST"
    assert (
        parse_verdict("CODE\nbecause 32 + 273.15 = 305.15, so the TEST value is off").value
        == "CODE"
    )


async def test_a_missing_error_judged_by_the_model_removes_that_check(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    tests = (
        "import pytest\n\nfrom temp.conv import to_f\n\n\ndef test_to_f() -> None:\n"
        "    with pytest.raises(ValueError):\n"
        "        to_f(-1)\n"
        "    assert to_f(32) == 0.0\n"
        "\n\ndef test_only_raises() -> None:\n"
        "    with pytest.raises(ValueError):\n"
        "        to_f(5)\n"
    )
    scripted_llm.on(r"give your verdict on a line of its own", "No error is right.\nCODE")
    context = make_context()
    _project(context, {"temp/conv.py": TEMP_SOURCE, "tests/test_conv.py": tests})
    result = await RunTestsStep("run_tests").execute(context)
    assert "3 corrected test expectation(s)" in result.summary
    assert (
        "gives no error (it returns normally), but the test expects `ValueError` to be raised"
        in (scripted_llm.calls[0].prompt)
    )
    assert (workspace / "tests/test_conv.py").read_text() == (
        "import pytest\n\nfrom temp.conv import to_f\n\n\ndef test_to_f() -> None:\n"
        "    assert to_f(32) == 89.6\n"
        "\n\ndef test_only_raises() -> None:\n"
        "    pass\n"
    )


async def test_a_value_check_the_code_refuses_with_an_error_becomes_a_raises_check(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    source = (
        "def to_c(k: float) -> float:\n    if k < 0:\n        raise ValueError('below 0 K')\n"
        "    return k - 273.15\n"
    )
    tests = (
        "from temp.conv import to_c\n\n\ndef test_to_c() -> None:\n"
        "    assert to_c(0) == -273.15\n"
        "    assert to_c(-1) == -274.15\n"
    )
    scripted_llm.on(r"give your verdict on a line of its own", "Below 0 K is refused.\nCODE")
    context = make_context()
    _project(context, {"temp/conv.py": source, "tests/test_conv.py": tests})
    result = await RunTestsStep("run_tests").execute(context)
    assert "1 corrected test expectation(s)" in result.summary
    assert (
        "gives the error `ValueError: below 0 K`, but the test expects `-274.15`"
        in scripted_llm.calls[0].prompt
    )
    assert (workspace / "tests/test_conv.py").read_text() == (
        "import pytest\nfrom temp.conv import to_c\n\n\ndef test_to_c() -> None:\n"
        "    assert to_c(0) == -273.15\n"
        "    with pytest.raises(ValueError):\n"
        "        to_c(-1)\n"
    )


async def test_the_requirements_examples_file_is_never_sent_to_be_fixed_nor_judged(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    from autobyteus_coding_steps.steps.test_generation_step import TestGenerationStep

    scripted_llm.on(r"The file to fix, `wordfreq/counter.py`", fenced(COUNTER_SOURCE))
    context = make_context()
    context.state.requirement = (
        "Write `wordfreq/counter.py` defining `count_words(text)`:\n\n"
        ">>> count_words('a A b')\n{'a': 2, 'b': 1}\n"
    )
    _project(context, {"wordfreq/__init__.py": "", "wordfreq/counter.py": BUGGY_COUNTER})
    await TestGenerationStep("test_generation").execute(context)
    examples = (workspace / "tests/test_requirement_examples.py").read_text()
    result = await RunTestsStep("run_tests").execute(context)
    assert result.summary == "tests pass after 1 fix round(s) (1 passed)"
    [fix] = [call.prompt for call in scripted_llm.calls]  # no verdict asked: the user stated it
    assert "The file to fix, `wordfreq/counter.py`" in fix
    assert (workspace / "tests/test_requirement_examples.py").read_text() == examples


def test_a_check_is_stated_by_the_user_when_a_doctest_session_gives_it() -> None:
    requirement = (
        ">>> to_f(100)\n212.0\n>>> to_c(-500)\nTraceback (most recent call last):\nValueError: x\n"
    )
    assert stated_by_user(requirement, "to_f( 100 )", "212.0")
    assert stated_by_user(requirement, "to_c(-500)", "ValueError")
    assert not stated_by_user(requirement, "to_f(100)", "100.0")


PRIME_SOURCE = (
    "def is_prime(n: int) -> bool:\n    return n > 1 and all(n % d for d in range(2, n))\n"
)
PRIME_TESTS = (
    "from num.prime import is_prime\n\n\ndef test_primes() -> None:\n"
    "    assert is_prime(7)\n"
    "    assert not is_prime(2)\n"
)


async def test_a_wrong_truth_check_judged_by_the_model_is_turned_around_in_the_test(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"give your verdict on a line of its own", "2 is prime.\nCODE")
    context = make_context()
    _project(context, {"num/prime.py": PRIME_SOURCE, "tests/test_prime.py": PRIME_TESTS})
    result = await RunTestsStep("run_tests").execute(context)
    assert result.summary == (
        "tests pass on the first run and 1 corrected test expectation(s) (1 passed)"
    )
    [question] = [call.prompt for call in scripted_llm.calls]
    assert "`is_prime(2)` gives `True`, but the test expects a false value" in question
    assert "    assert is_prime(2)\n" in (workspace / "tests/test_prime.py").read_text()
    assert "    assert is_prime(7)\n" in (workspace / "tests/test_prime.py").read_text()


def test_a_truth_check_is_read_from_the_test_and_from_pytests_line() -> None:
    from autobyteus_coding_steps.parsing.pytest_output import failed_truths
    from autobyteus_coding_steps.parsing.python_source import toggled_truth, truth_check_at

    output = (
        "tests/test_p.py:5: assert not True\ntests/test_p.py:6: assert []\n"
        "tests/test_p.py:7: assert 3 == 4\ntests/test_p.py:8: assert x\n"
    )
    assert failed_truths(output) == {("tests/test_p.py", 5): "True", ("tests/test_p.py", 6): "[]"}
    source = "def test() -> None:\n    assert not f(1)\n    assert g(2)\n    assert h(3), 'why'\n"
    check = truth_check_at(source, 2)
    assert check is not None and (check.call, check.negated) == ("f(1)", True)
    assert toggled_truth(source, check).split("\n")[1] == "    assert f(1)"
    other = truth_check_at(source, 3)
    assert (
        other is not None and toggled_truth(source, other).split("\n")[2] == "    assert not g(2)"
    )
    assert truth_check_at(source, 4) is None  # a message says what the check means: kept


async def test_a_value_pytest_shortened_is_never_written_into_a_test(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    source = "def mirror(text: str) -> str:\n    return text + text[::-1]\n"
    tests = (
        "from pal.mirror import mirror\n\n\ndef test_mirror() -> None:\n"
        f"    assert mirror({'abcdefghij' * 6!r}) == 'ab'\n"
    )
    scripted_llm.on(r"give your verdict on a line of its own", "CODE")
    scripted_llm.on(r"The file to fix, `pal/mirror.py`", "NO CHANGE")
    scripted_llm.on(r"The file to fix, `tests/test_mirror.py`", "NO CHANGE")
    context = make_context()
    _project(context, {"pal/mirror.py": source, "tests/test_mirror.py": tests})
    with pytest.raises(StepFailedError):
        await RunTestsStep("run_tests", {"fix_rounds": 1}).execute(context)
    assert not any("verdict" in call.prompt for call in scripted_llm.calls)
    assert (workspace / "tests/test_mirror.py").read_text() == tests


MAIN_WITHOUT_ARGV = """\
import sys


def main() -> int:
    print(" ".join(sys.argv[1:]))
    return 0
"""
MAIN_WITH_ARGV = MAIN_WITHOUT_ARGV.replace("main() -> int:", "main(argv=None) -> int:")


async def test_a_function_that_cannot_take_the_arguments_the_requirement_gives_is_fixed_first(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"The file to fix, `echo/cli.py`", fenced(MAIN_WITH_ARGV))
    scripted_llm.on(r"The file to fix, `", "NO CHANGE")
    context = make_context()
    context.state.requirement = (
        "- `echo/cli.py` defines `main(argv: list[str] | None = None) -> int`, printing argv."
    )
    test = "from echo.cli import main\n\n\ndef test_main() -> None:\n    assert main(['a']) == 0\n"
    _project(
        context,
        {"echo/__init__.py": "", "echo/cli.py": MAIN_WITHOUT_ARGV, "tests/test_cli.py": test},
    )
    result = await RunTestsStep("run_tests").execute(context)
    first = CodingTests.of(context).test_results[0]
    assert first["phase"] == "import_check"
    assert (
        "the requirement gives `main(argv: list[str] | None = None)`, but `echo.cli.main` is "
        "`main() -> int`, so a call with 1 positional argument(s) fails"
    ) in first["output"]
    assert first["blamed_files"][0] == "echo/cli.py"
    assert first["fixed_files"] == ["echo/cli.py"]
    assert result.summary == "tests pass after 1 fix round(s) (1 passed)"


# Asked for edit blocks (every file over 0 characters), the model may still give the whole file:
# cut off, it keeps its whole tests as when the whole file is asked for (HumanEval/149: three
# cut replies of 2,316 tokens each, re-asked).
@pytest.mark.parametrize("edit_blocks_above_chars", [100_000, 0])
async def test_a_test_file_fix_is_limited_like_the_tests_and_a_cut_one_keeps_its_whole_tests(
    make_context: MakeContext,
    scripted_llm: ScriptedLLM,
    workspace: Path,
    edit_blocks_above_chars: int,
) -> None:
    runaway = "```python\nfrom wordfreq.counter import count_words\n\n\n" + "".join(
        f"def test_{n}() -> None:\n    assert count_words('a a') == {{'a': 2}}\n\n\n"
        for n in ["a", *range(300)]
    )
    scripted_llm.on(r"The file to fix, `tests/test_counter.py`", runaway)
    scripted_llm.on(r"The file to fix, `", "NO CHANGE")
    context = make_context()
    wrong = "from wordfreq.counter import count_words\n\n\ndef test_a() -> None:\n"
    wrong += "    assert count_words('a a') == {'a': 1}\n"
    _project(context, {"wordfreq/counter.py": COUNTER_SOURCE, "tests/test_counter.py": wrong})
    settings = {"max_value_checks": 0, "edit_blocks_above_chars": edit_blocks_above_chars}
    result = await RunTestsStep("run_tests", settings).execute(context)
    (fix,) = [
        c for c in scripted_llm.calls if "The file to fix, `tests/test_counter.py`" in c.prompt
    ]
    assert fix.options == {"max_tokens": 1024} and fix.reply and fix.reply.endswith("{'a':")
    written = (workspace / "tests/test_counter.py").read_text()
    # 1024 words: 4 for the fence and the import, 10 per test; the cut falls in test_100.
    assert written.count("def test_") == 101 and "def test_100(" not in written
    assert result.summary == "tests pass after 1 fix round(s) (101 passed)"


async def test_a_long_test_files_fix_may_be_a_quarter_longer_than_the_file_not_twice_as_long(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"The file to fix, `", "NO CHANGE")
    context = make_context()
    # 8,000 characters, 2,000 tokens by the estimate: over test_reply_tokens (1,024).
    tests = "from wordfreq.counter import count_words\n\n\ndef test_a() -> None:\n"
    tests += "    assert count_words('a a') == {'a': 1}\n"
    tests += "#" * (8_000 - len(tests) - 1) + "\n"
    _project(context, {"wordfreq/counter.py": COUNTER_SOURCE, "tests/test_counter.py": tests})
    with pytest.raises(StepFailedError):
        await RunTestsStep("run_tests", {"max_value_checks": 0, "fix_rounds": 1}).execute(context)
    (fix,) = [
        c for c in scripted_llm.calls if "The file to fix, `tests/test_counter.py`" in c.prompt
    ]
    assert fix.options == {"max_tokens": 2_500}


async def test_the_fix_prompt_shows_the_code_line_an_error_was_raised_at(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    broken = "def to_f(c: float) -> float:\n    return c * 9 / 5 + '32'\n"
    summary, fix_prompt = await _conv_fixed(make_context, scripted_llm, broken, TEMP_SOURCE)
    assert summary == "tests pass after 1 fix round(s) (1 passed)"
    assert "temp/conv.py:2: TypeError" in fix_prompt
    assert (
        "Where the errors were raised:\n- `temp/conv.py` line 2: `return c * 9 / 5 + '32'`"
        in fix_prompt
    )


async def test_a_code_file_given_back_unchanged_is_written_afresh_from_the_requirement(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"Write `temp/conv.py` again from the requirement", fenced(TEMP_SOURCE))
    summary, _ = await _conv_fixed(make_context, scripted_llm, WRONG_TEMP_SOURCE, WRONG_TEMP_SOURCE)
    assert summary == "tests pass after 2 fix round(s) (1 passed)"
    fresh = [c.prompt for c in scripted_llm.calls if "again from the requirement" in c.prompt]
    assert len(fresh) == 1
    assert "[Requirement]\nCount words in a text." in fresh[0]
    assert "return c * 9 / 5\n" not in fresh[0]  # the code that stalled is not shown
    assert "without the mistake the failure shows. It must still define `to_f`.\n" in fresh[0]
    assert (workspace / "temp/conv.py").read_text() == TEMP_SOURCE


ONE_FILE = "Write `solution.py` defining `double(x)`."


@pytest.mark.parametrize(
    ("requirement", "options", "rounds"),
    [
        (ONE_FILE, {}, 1),
        (ONE_FILE, {"one_file_fix_rounds": 2}, 2),
        (ONE_FILE, {"fix_rounds": 0}, 0),
        ("Write `solution.py` and `helpers.py`.", {}, 3),
    ],
)
async def test_a_one_file_requirement_gets_one_fix_round_unless_set_otherwise(
    make_context: MakeContext,
    scripted_llm: ScriptedLLM,
    requirement: str,
    options: dict[str, int],
    rounds: int,
) -> None:
    wrong = iter(range(1, 100))
    scripted_llm.on(
        r"The file to fix, `solution.py`",
        lambda _: fenced(f"def double(x):\n    return x - {next(wrong)}\n"),
    )
    scripted_llm.on(r"The file to fix, `", "NO CHANGE")
    context = make_context()
    context.state.requirement = requirement
    tests = (
        "from solution import double\n\n\ndef test_double() -> None:\n    assert double(2) == 4\n"
    )
    _project(
        context, {"solution.py": "def double(x):\n    return x\n", "tests/test_solution.py": tests}
    )
    with pytest.raises(StepFailedError, match=f"still fail after {rounds} fix round"):
        await RunTestsStep("run_tests", {"max_value_checks": 0, **options}).execute(context)
    assert [r["round"] for r in CodingTests.of(context).test_results] == list(range(rounds + 1))
