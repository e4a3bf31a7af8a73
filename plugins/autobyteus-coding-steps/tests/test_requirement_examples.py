"""The examples a requirement states, and the test file written from them."""

from __future__ import annotations

import ast
import keyword
import subprocess
import sys
from pathlib import Path

import pytest
from autobyteus_coding_steps.example_tests import (
    HEADER,
    example_tests,
    given_functions,
    is_examples_file,
    named_functions,
)
from autobyteus_coding_steps.parsing.requirement_examples import Example, requirement_examples
from hypothesis import given, settings, strategies as st

DOCSTRING_SESSION = '''\
def close(numbers: list[float], gap: float) -> bool:
    """ Whether two numbers are closer than gap.
    >>> close([1.0, 2.0, 3.0], 0.5)
    False
    >>> close([1.0, 2.8, 3.0], 0.3)
    True
    """
'''


def test_a_doctest_session_ending_a_docstring_gives_each_example_without_the_quotes() -> None:
    assert requirement_examples(DOCSTRING_SESSION) == [
        Example("close([1.0, 2.0, 3.0], 0.5)", "False"),
        Example("close([1.0, 2.8, 3.0], 0.3)", "True"),
    ]


def test_a_session_in_a_fenced_block_closed_right_after_the_docstring_is_read() -> None:
    requirement = f"Write `solution.py` with `close` below.\n\n```python\n{DOCSTRING_SESSION}```\n"
    assert requirement_examples(requirement) == requirement_examples(DOCSTRING_SESSION)
    assert len(requirement_examples(requirement)) == 2


def test_a_doctest_traceback_is_an_example_that_raises() -> None:
    text = ">>> parse('x')\nTraceback (most recent call last):\n  ...\nValueError: bad\n"
    assert requirement_examples(text) == [Example("parse('x')", raises="ValueError")]


@pytest.mark.parametrize(
    "line",
    [
        "    search([4, 1, 2, 2]) == 2",
        "rounded_avg(1, 5) => 2",
        "grade([4.0, 3]) ==> 2",
        'split_words("Hello world!") ➞ 2',
        "check({'a': 'b'}) should return 2.",
        "- f(x=1) -> 2",
        "1. g(1, (2, 3)) == 2",
        "count_upper('aBCdEf') returns 2",
        "to_binary(15)   # returns 2",
        "choose(12, 15) = 2",
        "Example: f([1]) == 2",
        "for example, x_or_y(7, 34, 12) == 2",
    ],
)
def test_the_one_line_spellings_give_the_call_and_its_value(line: str) -> None:
    [example] = requirement_examples(line)
    assert example.expected == "2"
    assert ast.parse(example.call, mode="eval")


def test_a_doctest_line_stating_its_own_check_is_an_example() -> None:
    text = "def h(text):\n    '''Hash.\n\n    >>> h('a') == 'x1'\n    >>> h('')\n    '''\n"
    assert requirement_examples(text) == [Example("h('a')", "'x1'")]


def test_a_function_defined_by_equations_gives_no_examples_of_it() -> None:
    text = "fib(1) = 1\nfib(2) = 1\nfib(n) = fib(n - 1) + fib(n - 2)\nfib(3) = 2\nsq(3) = 9\n"
    assert requirement_examples(text) == [Example("sq(3)", "9")]


SIGNATURES = "def split(text, sep):\n    pass\n\ndef count(items, limit=None):\n    pass\n"


@pytest.mark.parametrize(
    ("statement", "call", "value"),
    [
        (
            'For text = "a b", sep = " " the output should be ["a", "b"].',
            'split("a b", " ")',
            '["a", "b"]',
        ),
        ("For items = [1, 2], the length is 2, the result should be 2", "count([1, 2])", "2"),
        ("Input: items = [3], limit = 1\n\n    Output: 1", "count([3], 1)", "1"),
        ('Input: sep = ",", text = "a,b"\nOutput: ["a", "b"]', 'split("a,b", ",")', '["a", "b"]'),
        ("Input: [1, 2, 3]\nOutput: 3", "count([1, 2, 3])", "3"),
    ],
)
def test_stated_arguments_of_a_declared_function_are_a_call_of_it(
    statement: str, call: str, value: str
) -> None:
    assert requirement_examples(f"{SIGNATURES}\n{statement}\n") == [Example(call, value)]


@pytest.mark.parametrize(
    "statement",
    [
        "For text = some_text, sep = ' ' the output should be 2",  # not a literal
        "For items = [1], text = 'a' the output should be 2",  # fits no one function
        "For limit = 2 the output should be 2",  # leaves a required parameter out
        "Input: 'a', ' '\nExplanation: split it",  # no output stated
    ],
)
def test_stated_arguments_that_fit_no_one_function_are_no_example(statement: str) -> None:
    assert requirement_examples(f"{SIGNATURES}\n{statement}\n") == []
    assert requirement_examples("For items = [1] the output should be 1") == []  # no def


def test_code_spans_in_prose_give_examples_even_across_a_wrapped_line() -> None:
    text = (
        'Examples: `count_words("A a b")` is `{"a": 2, "b": 1}`; `top("b a b", 1)` is\n'
        '`[("b", 2)]`. `parse("")` raises `ValueError`.\n'
    )
    assert requirement_examples(text) == [
        Example('parse("")', raises="ValueError"),
        Example('count_words("A a b")', '{"a": 2, "b": 1}'),
        Example('top("b a b", 1)', '[("b", 2)]'),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "30 = 2 * 3 * 5",  # arithmetic, not a call
        "x == 3",  # no call
        "is_prime(7) == true",  # not a Python literal
        "f(1) == g(2)",  # the value is not a literal
        "`total(cart)` is `the sum of its prices`",
        "f(1) => 2 and more text",
        ">>> f(1)\n",  # a session with no expected output
        ">>> x = f(1)\n>>> x\n3\n",  # an assignment, then a name
    ],
)
def test_what_is_not_unambiguous_is_no_example(text: str) -> None:
    assert requirement_examples(text) == []


def test_a_repeated_example_is_kept_once() -> None:
    assert requirement_examples("f(1) == 2\nAgain: `f(1)` is `2`\nf(1) == 2") == [
        Example("f(1)", "2")
    ]


literals = st.recursive(
    # No backticks: a line holding one is read as prose with code spans, not as a bare example.
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.text(st.characters(blacklist_characters="`"), max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
        lambda name: not keyword.iskeyword(name)
    ),
    arguments=st.lists(literals, max_size=3),
    value=literals,
    arrow=st.sampled_from(["==", "=>", "➞", "should return"]),
)
def test_any_call_of_literals_and_its_value_round_trip(
    name: str, arguments: list[object], value: object, arrow: str
) -> None:
    call = f"{name}({', '.join(map(repr, arguments))})"
    examples = requirement_examples(f"Example:\n    {call} {arrow} {value!r}\n")
    assert [ast.literal_eval(e.expected or "") for e in examples if e.call == call] == [value]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_read_without_an_error(text: str) -> None:
    for example in requirement_examples(text):
        assert ast.parse(example.call, mode="eval")


def test_the_examples_file_imports_each_name_from_the_module_defining_it() -> None:
    examples = [
        Example('count_words("a a")', "{'a': 2}"),
        Example('str(Money("1", "EUR"))', '"1.00 EUR"'),
        Example("mean([1, 2])", "1.5"),
        Example("len(suffix)", raises="ValueError"),  # `suffix` is defined in prose only
        Example("parse('')", raises="ParseError"),
    ]
    definitions = {
        "count_words": "wordfreq.counter",
        "Money": "money.core",
        "mean": "stats",
        "parse": "ini",
        "ParseError": "ini",
    }
    tests = example_tests(examples, definitions)
    assert is_examples_file(tests.source) and tests.source.startswith(HEADER)
    assert "from wordfreq.counter import count_words\n" in tests.source
    assert "from money.core import Money\n" in tests.source
    assert "from ini import parse, ParseError\n" in tests.source
    assert "assert mean([1, 2]) == pytest.approx(1.5)\n" in tests.source
    assert "    with pytest.raises(ParseError):\n        parse('')\n" in tests.source
    assert tests.skipped == (Example("len(suffix)", raises="ValueError"),)
    assert tests.covers("Money") and not tests.covers("len_suffix")
    assert example_tests(examples[3:4], definitions).source == ""


def test_the_examples_file_passes_on_right_code_and_fails_on_wrong_code(tmp_path: Path) -> None:
    tests = example_tests(requirement_examples(DOCSTRING_SESSION), {"close": "solution"})
    (tmp_path / "test_requirement_examples.py").write_text(tests.source)

    def run(body: str) -> int:
        (tmp_path / "solution.py").write_text(f"def close(numbers, gap):\n    return {body}\n")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
        return subprocess.run(command, capture_output=True, cwd=tmp_path).returncode

    right = "any(abs(a - b) < gap for i, a in enumerate(numbers) for b in numbers[i + 1:])"
    assert run(right) == 0
    assert run("False") == 1


def test_the_functions_a_requirement_names_are_found_by_whole_name() -> None:
    requirement = "Write `top_words(text, n)` using count_words; `wordfreq.top` is the module."
    assert named_functions(requirement, ["top_words", "count_words", "top", "words"]) == [
        "top_words",
        "count_words",
    ]


def test_given_functions_are_the_ones_a_python_block_implements() -> None:
    requirement = (
        "Use the helpers below.\n\n```python\n"
        'def given(x):\n    """Doc."""\n    return x + 1\n\n'
        'def stub(x):\n    """Doc only."""\n\n'
        "def ellipsis(x): ...\n\n"
        "def todo(x):\n    raise NotImplementedError\n\n"
        'def imports(x):\n    import math\n    """Doc after an import."""\n\n'
        "async def fetch(url):\n    return await get(url)\n"
        "```\n\n```text\ndef not_python(x):\n    return x\n```\n"
        "```python\ndef broken(:\n```\n"
    )
    assert given_functions(requirement) == {"given", "fetch"}
    assert named_functions(requirement, ["given", "stub", "todo", "imports", "fetch"]) == [
        "stub",
        "todo",
        "imports",
    ]
