"""Test outcome integrity: what generated files may not do to how their tests are judged.

Implementation replies (and fixes of non-test files) may not write pytest configuration:
``conftest.py``, ``pytest.ini``, ``.pytest.ini``, or a change to the ``[tool.pytest...]`` table of
``pyproject.toml``, the ``[tool:pytest]`` section of ``setup.cfg`` or the ``[pytest]`` section of
``tox.ini``. Test replies may write a ``conftest.py`` with fixtures only: a module that binds any
``pytest_*`` name (a hook such as ``pytest_runtest_makereport`` can turn failures into passes,
``pytest_plugins`` loads plugins) is refused. Config changes are refused there too.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from autobyteus_coding_steps.parsing.paths import pytest_config_name_problem
from autobyteus_coding_steps.parsing.report import ParseIssue
from autobyteus_coding_steps.workspace_files import file_bytes
from autobyteus_core import WorkspaceError, toml_table_change

if TYPE_CHECKING:
    from autobyteus_core import WorkflowContext

CONFTEST = "conftest.py"
#: INI files and the section of each that pytest reads.
_INI_SECTIONS = {"setup.cfg": "tool:pytest", "tox.ini": "pytest"}
_SECTION = re.compile(r"^\s*\[([^\]\n]*)\]")


def pytest_hooks(source: str) -> list[str]:
    """The ``pytest_*`` names a Python module binds or spells as a string (anywhere in it)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # the reply's own syntax check reports it
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.alias):
            names = [node.asname or node.name.rsplit(".", 1)[-1]]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]
        found += [name for name in names if name.startswith("pytest_")]
    return list(dict.fromkeys(found))


def ini_section_change(old: bytes | None, new: bytes, section: str) -> str | None:
    """How the INI text ``new`` changes its ``[section]`` compared with ``old``, or None."""
    before = _ini_section(old.decode("utf-8", "replace")) if old is not None else {}
    after = _ini_section(new.decode("utf-8", "replace"))
    if before.get(section) == after.get(section):
        return None
    verb = "adds" if section not in before else "removes" if section not in after else "changes"
    return f"it {verb} the [{section}] section"


def _ini_section(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match:
            current = sections.setdefault(match.group(1).strip(), [])
        elif current is not None and line.strip() and not line.lstrip().startswith(("#", ";")):
            current.append(line.strip())
    return sections


def pytest_config_problem(
    path: str, new: bytes, old: bytes | None, *, writes_tests: bool
) -> str | None:
    """Why writing ``new`` over ``old`` at ``path`` would change pytest's configuration, or
    None. ``writes_tests``: the reply writes tests (a fixtures-only ``conftest.py`` is fine)."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1].casefold()
    if name == CONFTEST and writes_tests:
        hooks = pytest_hooks(new.decode("utf-8", "replace"))
        if hooks:
            return (
                f"a conftest.py may hold fixtures only; it names {', '.join(hooks)} "
                "(pytest hooks and plugins could change how the tests are judged)"
            )
        return None
    named = pytest_config_name_problem(path)
    if named is not None:
        return named
    change: str | None = None
    if name == "pyproject.toml":
        change = toml_table_change(old, new, ("tool", "pytest"))
    elif name in _INI_SECTIONS:
        change = ini_section_change(old, new, _INI_SECTIONS[name])
    if change is not None:
        return f"{change}, which is pytest configuration that generated files may not change"
    return None


def write_issues(
    context: WorkflowContext, path: str, content: str, *, writes_tests: bool = False
) -> list[ParseIssue]:
    """Why the reply's ``content`` for ``path`` may not be written, as issues the model is told
    in the re-ask: the safe writer's refusal (control files included) and the pytest rules."""
    try:
        context.workspace.writer.check(path, content=content)
    except WorkspaceError as exc:
        return [ParseIssue(getattr(exc, "reason", str(exc)), excerpt=path)]
    new = content.encode("utf-8")
    problem = pytest_config_problem(
        path, new, file_bytes(context.workspace, path), writes_tests=writes_tests
    )
    return [ParseIssue(problem, excerpt=path)] if problem else []
