"""The pure checks and repairs of generated Python source."""

from __future__ import annotations

from autobyteus_coding_steps.parsing.python_source import (
    defined_names,
    dropped_definitions,
    elision_issue,
    imported_modules,
    repair_test_source,
    requested_names_issue,
    unknown_imports,
    whole_tests,
)


def test_pytest_raises_used_as_a_value_is_rewritten_and_pytest_imported() -> None:
    source = (
        "from pkg.m import f\n\n\ndef test_f():\n"
        "    assert f(1) == 2\n"
        "    assert f(-1) == pytest.raises(ValueError)\n"
    )
    repaired, notes = repair_test_source(source)
    assert repaired == (
        "import pytest\nfrom pkg.m import f\n\n\ndef test_f():\n"
        "    assert f(1) == 2\n"
        "    with pytest.raises(ValueError):\n"
        "        f(-1)\n"
    )
    assert [n.fatal for n in notes] == [False, False]
    assert notes[0].line == 6


def test_correct_or_broken_test_files_are_left_alone() -> None:
    good = "import pytest\n\n\ndef test_x():\n    with pytest.raises(KeyError):\n        {}['a']\n"
    assert repair_test_source(good) == (good, [])
    broken = "def test_x(:\n    pass\n"
    assert repair_test_source(broken) == (broken, [])


def test_requested_names_must_be_defined_at_module_level() -> None:
    content = "class C:\n    def area(self):\n        return 1\n\n\ndef total():\n    return 2\n"
    assert requested_names_issue("Implement the `total` Function", "p/m.py", content) is None
    assert requested_names_issue("Implement the `C` Class", "p/m.py", content) is None
    assert requested_names_issue("Add the `area` method", "p/m.py", content) is None
    issue = requested_names_issue("Implement the `area` Function", "p/m.py", content)
    assert issue is not None and issue.soft and "`area`" in issue.message
    assert requested_names_issue("Implement the `area` Function", "p/m.md", content) is None


def test_dropped_definitions_and_defined_names() -> None:
    old = "import os\n\nX = 1\n\n\ndef a():\n    pass\n\n\nclass B:\n    pass\n"
    assert defined_names(old) == ["os", "X", "a", "B"]
    assert dropped_definitions(old, "def a():\n    pass\n") == ["B"]
    assert dropped_definitions(old, "def a(:\n") == []


def test_unknown_imports_resolve_relative_imports() -> None:
    modules = {"pkg.core": "def run():\n    pass\n", "pkg": ""}
    issues = unknown_imports("from .core import run, walk\n", "pkg.cli", modules)
    assert [i.message for i in issues] == ["`pkg.core` has no `walk` to import; it defines: run"]
    assert unknown_imports("from os import walk\n", "pkg.cli", modules) == []
    assert imported_modules("from .core import run\nimport pkg\n", "pkg.cli", modules) == [
        "pkg.core",
        "pkg",
    ]


def test_elisions_are_found_but_ellipsis_bodies_are_code() -> None:
    assert elision_issue("m.py", "def f():\n    ...\n") is None
    issue = elision_issue("m.py", "def f():\n    pass\n# ... existing code unchanged\n")
    assert issue is not None and issue.line == 3


CUT_TESTS = """\
import pytest
from m import f


def test_a():
    assert f(1) == 2


@pytest.mark.parametrize("x", [1,
2])
def test_b(x):
    assert f(x)


class TestC:
    def test_c(self):
        assert f(3) == 4
        assert f("abc") == "ab"""


def test_a_cut_test_file_keeps_what_it_wrote_before_the_line_the_cut_fell_in() -> None:
    kept = whole_tests(CUT_TESTS)
    assert kept is not None
    source, note = kept
    assert source == CUT_TESTS.rsplit("\n", 1)[0] + "\n"  # TestC keeps its first assert
    assert "kept its first 17 line(s), 3 test function(s)" in note.message
    assert not note.fatal and note.line == 18
    # A test left without a body goes, and so does its decorator split over two lines.
    cut = CUT_TESTS.split("\n\n\nclass TestC")[0].replace("    assert f(x)", "    assert f(")
    source, note = whole_tests(cut) or ("", None)
    assert source.endswith("assert f(1) == 2\n") and note is not None
    assert "1 test function(s)" in note.message


def test_the_line_a_cut_fell_in_is_dropped_even_when_it_parses() -> None:
    kept = whole_tests("from m import f\n\ndef test_a():\n    assert f(1)\n    assert f(2) == 12")
    assert kept is not None and kept[0] == "from m import f\n\ndef test_a():\n    assert f(1)\n"


def test_a_cut_file_with_no_test_left_keeps_nothing() -> None:
    assert whole_tests("from m import f\n\ndef test_a():\n    assert f(1) ==") is None
    assert whole_tests("from m import f\n\ndef helper():\n    return 1\n\ndef test_a():\n") is None
    assert whole_tests("") is None


def test_an_assert_repeated_three_times_in_a_row_is_kept_once() -> None:
    source = (
        "from m import f, s\n\n\ndef test_f():\n"
        + "    assert f(1) == 2\n" * 40
        + "    assert s.pop() == 1\n" * 2  # twice in a row may be meant (a stateful check)
        + "    s.push(1)\n"
        + "    assert f(1) == 2\n"
    )
    repaired, notes = repair_test_source(source)
    assert repaired == (
        "from m import f, s\n\n\ndef test_f():\n    assert f(1) == 2\n"
        "    assert s.pop() == 1\n    assert s.pop() == 1\n    s.push(1)\n    assert f(1) == 2\n"
    )
    assert [n.message for n in notes] == ["dropped 39 repeated assert(s)"]
