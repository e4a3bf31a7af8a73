"""Every hook in ``hookspecs.py`` is documented in CONTRIBUTING.md and exercised by a test."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from autobyteus_core import PROJECT_NAME, hookspecs
from tests import REPO

DOCS_TESTS = Path(__file__).resolve().parent


def declared_hooks() -> list[str]:
    """The hook specs, found by pluggy's marker rather than by any hand-kept list."""
    marker = f"{PROJECT_NAME}_spec"
    return sorted(
        name
        for name, value in vars(hookspecs).items()
        if callable(value) and hasattr(value, marker)
    )


def hook_sections(contributing: str) -> dict[str, str]:
    """``### <hook>`` heading (the name may be in backticks or followed by its signature) →
    the text up to the next heading of the same or a higher level."""
    sections: dict[str, str] = {}
    matches = list(re.finditer(r"^###\s+`?([a-z_]+)\b.*$", contributing, re.M))
    for match in matches:
        rest = contributing[match.end() :]
        end = re.search(r"^#{1,3}\s", rest, re.M)
        sections[match.group(1)] = rest[: end.start()] if end else rest
    return sections


def project_test_modules() -> Iterable[Path]:
    """Test modules of the core and of every first-party plugin (not the docs tests)."""
    for root in [REPO / "tests", *sorted((REPO / "plugins").glob("*/tests"))]:
        for path in sorted(root.rglob("*.py")):
            if DOCS_TESTS not in path.parents:
                yield path


def _is_hookimpl(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "hookimpl"


def exercised_hooks(source: str) -> set[str]:
    """Hooks a test module implements (a ``@hookimpl`` function or method of that name) or calls
    by name (``pm.hook.<name>(...)``, ``call_per_plugin("<name>", ...)``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            _is_hookimpl(d) for d in node.decorator_list
        ):
            found.add(node.name)
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "hook"
            ):
                found.add(func.attr)
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("call_per_plugin", "subset_hook_caller") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
    return found


def test_the_hook_list_comes_from_the_specs() -> None:
    hooks = declared_hooks()
    assert "register_steps" in hooks and "workflow_event" in hooks
    assert set(hooks) == set(hookspecs.ALL_HOOKS)


@pytest.mark.parametrize("hook", declared_hooks())
def test_every_hook_has_a_contributing_section_with_its_signature(hook: str) -> None:
    contributing = REPO / "CONTRIBUTING.md"
    assert contributing.is_file(), "CONTRIBUTING.md is missing"
    sections = hook_sections(contributing.read_text(encoding="utf-8"))
    assert hook in sections, f"CONTRIBUTING.md has no '### {hook}' section"
    assert f"{hook}(" in sections[hook], f"the '### {hook}' section shows no signature or example"


@pytest.mark.parametrize("hook", declared_hooks())
def test_every_hook_is_exercised_by_a_test(hook: str) -> None:
    users = [
        path.relative_to(REPO).as_posix()
        for path in project_test_modules()
        if hook in exercised_hooks(path.read_text(encoding="utf-8"))
    ]
    assert users, (
        f"no test under tests/ or plugins/*/tests/ implements {hook} with @hookimpl "
        "or calls it by name"
    )


def test_the_checks_catch_what_they_claim_to() -> None:
    doc = (
        "## Hooks\n\n### `register_steps(register)`\n\nUse `register_steps(register)`.\n\n"
        "### register_commands\n\nNo signature here.\n## Next\n"
    )
    sections = hook_sections(doc)
    assert set(sections) == {"register_steps", "register_commands"}
    assert "register_steps(" in sections["register_steps"]
    assert "register_commands(" not in sections["register_commands"]

    source = (
        "from autobyteus_core import hookimpl\n"
        "import autobyteus_core\n"
        "class P:\n"
        "    @hookimpl\n"
        "    def register_steps(self, register): ...\n"
        "@autobyteus_core.hookimpl(tryfirst=True)\n"
        "def workflow_event(event): ...\n"
        "def register_workflows(register): ...  # not marked: not a hook implementation\n"
        "pm.hook.register_commands(cli=cli)\n"
        "host.call_per_plugin('register_llm_providers', register=print)\n"
        "text = 'register_workspace_settings'  # a mere mention does not count\n"
    )
    assert exercised_hooks(source) == {
        "register_steps",
        "workflow_event",
        "register_commands",
        "register_llm_providers",
    }
