"""Reading pytest's output: stable text, blamed files, failed comparisons and errors."""

from __future__ import annotations

from autobyteus_coding_steps.parsing.pytest_output import (
    blamed_files,
    errored_tests,
    failed_comparisons,
    missing_raises,
    normalise_output,
    raised_at,
    raised_in_traceback,
)

OUTPUT = """\
FFF
/ws/tests/test_t.py:8: assert 89.6 == 0.0 ± 1.0e-12
/ws/tests/test_t.py:13: Failed: DID NOT RAISE ValueError
/ws/temp/conv.py:21: ValueError: below 0
FAILED tests/test_t.py::test_a - Assertio...
FAILED tests/test_t.py::test_b - Failed: DID NOT RAISE ValueError
FAILED tests/test_t.py::test_kelvin_to_celsius - ValueErr...
3 failed in 0.12s at 0x7f293d728d60
"""


def test_output_is_made_stable_and_read() -> None:
    text = normalise_output(OUTPUT, ["/ws"])
    assert "/ws" not in text and "in Ns" in text and "0x…" in text
    [comparison] = failed_comparisons(text)
    assert (comparison.path, comparison.line, comparison.left, comparison.right) == (
        "tests/test_t.py",
        8,
        "89.6",
        "0.0",
    )
    assert missing_raises(text) == [("tests/test_t.py", 13)]
    assert errored_tests(text) == [("tests/test_t.py", "test_kelvin_to_celsius")]
    modules = {"temp.conv": "temp/conv.py"}
    assert blamed_files(text, ["temp/conv.py", "tests/test_t.py"], modules) == [
        "tests/test_t.py",
        "temp/conv.py",
    ]


def test_the_line_that_raised_comes_from_a_short_traceback() -> None:
    short = (
        "tests/test_t.py:28: in test_k\n    assert to_c(-1) == 1\n"
        "temp/conv.py:3: in to_c\n    raise ValueError('x')\nE   ValueError: x\n"
    )
    assert raised_in_traceback(short, "tests/test_t.py", "test_k") == (28, "ValueError", "x")
    assert raised_in_traceback(short, "tests/test_t.py", "test_other") is None


def test_a_failed_check_is_read_with_or_without_the_error_name_before_it() -> None:
    from autobyteus_coding_steps.parsing.pytest_output import failed_truths

    output = (
        "tests/test_solution.py:6: AssertionError: assert False == True\n"
        "tests/test_solution.py:9: AssertionError: assert not True\n"
    )
    [comparison] = failed_comparisons(output)
    assert (comparison.line, comparison.left, comparison.right) == (6, "False", "True")
    assert failed_truths(output) == {("tests/test_solution.py", 9): "True"}


def test_where_errors_were_raised_is_read_from_the_one_line_tracebacks() -> None:
    output = (
        "solution.py:15: TypeError: not all arguments converted during string formatting\n"
        "solution.py:15: TypeError: not all arguments converted during string formatting\n"
        "tests/test_a.py:7: AssertionError: assert 1 == 2\n"
        "tests/test_a.py:9: assert 3 == 4\n"
        "pkg/m.py:3: KeyError: 'x'\n"
        "FAILED tests/test_a.py::test_b - TypeError: not al...\n"
    )
    assert raised_at(output) == [("solution.py", 15), ("pkg/m.py", 3)]
