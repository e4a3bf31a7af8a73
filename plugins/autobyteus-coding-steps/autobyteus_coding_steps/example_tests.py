"""The requirement's own examples as a pytest file, written without an LLM call.

An example the user states (``count_words("A a b")`` is ``{"a": 2, "b": 1}``) is the most reliable
test there is: a small model's generated tests get expected values wrong, and fixing code against a
wrong test costs rounds (Qwen2.5-Coder-1.5B on HumanEval spent most of its fix calls that way).
The file is marked by its first line; the fix loop never sends it to be changed.
"""

from __future__ import annotations

import ast
import builtins
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from autobyteus_coding_steps.parsing.code_blocks import find_code_blocks
from autobyteus_coding_steps.parsing.requirement_examples import Example

HEADER = (
    "# The requirement's own examples, written by autobyteus: a fix changes the code, not these."
)
FILE_STEM = "requirement_examples"
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class ExampleTests:
    """The test file's source, and which examples it holds and which it could not use."""

    source: str
    used: tuple[Example, ...]
    skipped: tuple[Example, ...]

    def record(self) -> dict[str, object]:
        """JSON-ready summary for the step's output."""
        return {"used": len(self.used), "skipped": [e.call for e in self.skipped]}

    def covers(self, name: str) -> bool:
        """Whether some example in the file calls ``name``."""
        return any(name in example.names for example in self.used)


def is_examples_file(content: str | None) -> bool:
    """Whether ``content`` is a file of the requirement's examples that this module wrote."""
    return content is not None and content.startswith(HEADER)


def example_tests(examples: list[Example], definitions: Mapping[str, str]) -> ExampleTests:
    """The pytest file checking ``examples`` against the project, whose modules define the names
    in ``definitions`` (name → module). An example using a name that is neither defined there nor
    a builtin is skipped (it needs context the requirement gives in prose)."""
    imports: dict[str, list[str]] = {}
    tests: list[str] = []
    used: list[Example] = []
    skipped: list[Example] = []
    for example in examples:
        needed = [*example.names, *([example.raises] if example.raises else [])]
        project = [name for name in needed if name in definitions]
        if not project or any(n not in definitions and n not in _BUILTINS for n in needed):
            skipped.append(example)
            continue
        for name in project:
            names = imports.setdefault(definitions[name], [])
            if name not in names:
                names.append(name)
        used.append(example)
        tests.append(_test_function(len(used), example))
    lines = [HEADER, "import pytest", ""]
    lines += [f"from {module} import {', '.join(names)}" for module, names in imports.items()]
    source = "\n".join(lines) + "\n\n" + "\n\n".join(tests) + "\n" if used else ""
    return ExampleTests(source, tuple(used), tuple(skipped))


def named_functions(requirement: str, definitions: list[str]) -> list[str]:
    """The names of ``definitions`` that the requirement mentions and does not implement itself
    (see :func:`given_functions`)."""
    given = given_functions(requirement)
    return [
        name
        for name in definitions
        if name not in given and re.search(rf"(?<![\w.]){re.escape(name)}\b", requirement)
    ]


@functools.lru_cache(maxsize=64)  # asked once per module of a run, of the same requirement
def given_functions(requirement: str) -> frozenset[str]:
    """The top-level functions whose code the requirement itself gives, in a Python block: the
    user's own code is not the work to test. (On HumanEval/10 the tests generated for the
    prompt's one-line ``is_palindrome`` helper ran to the reply limit and asserted wrong values.)
    A function whose body is only a docstring, imports, ``...``, ``pass`` or ``raise
    NotImplementedError`` is a stub to write, not given."""
    given: set[str] = set()
    for block in find_code_blocks(requirement):
        if block.language not in (None, "python", "py"):
            continue
        try:
            tree = ast.parse(block.content)
        except (SyntaxError, ValueError):
            continue
        given.update(
            node.name
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _is_stub(node)
        )
    return frozenset(given)


def _is_stub(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for statement in function.body:
        if isinstance(statement, (ast.Pass, ast.Import, ast.ImportFrom)):
            continue  # an import before the docstring is still a signature to fill in
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # the docstring, `...`
        if isinstance(statement, ast.Raise) and "NotImplementedError" in ast.unparse(statement):
            continue
        return False
    return True


def _test_function(number: int, example: Example) -> str:
    head = f"def test_example_{number}():\n"
    if example.raises:
        return f"{head}    with pytest.raises({example.raises}):\n        {example.call}\n"
    assert example.expected is not None
    expected = example.expected
    if _has_float(ast.literal_eval(expected)):
        expected = f"pytest.approx({expected})"
    return f"{head}    assert {example.call} == {expected}\n"


def _has_float(value: object) -> bool:
    """A float, or a flat list or tuple of numbers with a float among them (what approx takes)."""
    if isinstance(value, float):
        return True
    if isinstance(value, (list, tuple)) and value:
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        return numbers and any(isinstance(v, float) for v in value)
    return False
