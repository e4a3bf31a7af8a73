"""The modules of ``autobyteus_core/workflow/`` import each other without a cycle, counting the
imports under ``TYPE_CHECKING`` and inside functions: the folder reads as layers."""

from __future__ import annotations

import ast
from pathlib import Path

import autobyteus_core.workflow

PACKAGE = "autobyteus_core.workflow"
FOLDER = Path(autobyteus_core.workflow.__file__).parent


def imports_of(path: Path) -> set[str]:
    """The sibling modules ``path`` imports anywhere in its text."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == PACKAGE:  # from autobyteus_core.workflow import run_git
                names = [f"{PACKAGE}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(n.split(".")[2] for n in names if n.startswith(PACKAGE + "."))
    found.discard(path.stem)
    return found


def graph() -> dict[str, set[str]]:
    return {p.stem: imports_of(p) for p in sorted(FOLDER.glob("*.py")) if p.stem != "__init__"}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as the list of its modules (the first repeated at the end), or None."""
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> list[str] | None:
        if module in trail:
            return [*trail[trail.index(module) :], module]
        if module in done:
            return None
        for target in sorted(edges.get(module, ())):
            cycle = visit(target, [*trail, module])
            if cycle:
                return cycle
        done.add(module)
        return None

    for module in sorted(edges):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return None


def test_the_workflow_modules_import_each_other_without_a_cycle() -> None:
    assert find_cycle(graph()) is None


def test_the_check_finds_a_cycle_under_type_checking(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f"from {PACKAGE}.b import B\n", encoding="utf-8")
    (tmp_path / "b.py").write_text(
        f"from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from {PACKAGE}.a import A\n",
        encoding="utf-8",
    )
    edges = {p.stem: imports_of(p) for p in tmp_path.glob("*.py")}
    assert find_cycle(edges) == ["a", "b", "a"]
