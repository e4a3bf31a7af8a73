"""The public API: ``autobyteus_core`` (and ``autobyteus_core.testing``) exports every name a
plugin needs, lazily, and the first-party plugins and the docs import from nowhere else."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autobyteus_core
import autobyteus_core.testing
from tests import REPO

#: Modules a plugin may import from: the public API and the testing kit.
PUBLIC = {"autobyteus_core", "autobyteus_core.testing"}
IMPORT_LINE = re.compile(
    r"^\s*(?:from\s+(autobyteus_core[\w.]*)\s+import|import\s+(autobyteus_core[\w.]*))"
)


def _python_sources() -> list[Path]:
    return sorted(
        path
        for path in (REPO / "plugins").glob("*/**/*.py")
        if ".venv" not in path.parts and "data" not in path.parts
    )


def _text_sources() -> list[Path]:
    """Files whose code is not parsed as Python: scaffold templates and the docs' examples."""
    templates = sorted((REPO / "autobyteus_core" / "scaffold" / "templates").rglob("*.py.j2"))
    pages = sorted((REPO / "docs").rglob("*.md"))
    return [*templates, REPO / "CONTRIBUTING.md", REPO / "README.md", *pages]


def _deep_imports_in_python(path: Path, root: Path = REPO) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module or ""]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        found += [
            f"{path.relative_to(root)}:{node.lineno}: {module}"
            for module in modules
            if module.startswith("autobyteus_core") and module not in PUBLIC
        ]
    return found


def _deep_imports_in_text(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = IMPORT_LINE.match(line)
        module = match and (match.group(1) or match.group(2))
        if module and module not in PUBLIC:
            found.append(f"{path.relative_to(REPO)}:{number}: {module}")
    return found


def test_first_party_plugins_import_only_the_public_api():
    deep = [hit for path in _python_sources() for hit in _deep_imports_in_python(path)]
    assert not deep, "import these from autobyteus_core instead:\n" + "\n".join(deep)


def test_docs_and_scaffold_templates_import_only_the_public_api():
    deep = [hit for path in _text_sources() for hit in _deep_imports_in_text(path)]
    assert not deep, "import these from autobyteus_core instead:\n" + "\n".join(deep)


def test_the_deep_import_check_sees_a_deep_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from autobyteus_core import BaseStep\n"
        "def f():\n    from autobyteus_core.workflow.base_step import BaseStep\n",
        encoding="utf-8",
    )
    assert _deep_imports_in_python(sample, root=tmp_path) == [
        "sample.py:3: autobyteus_core.workflow.base_step"
    ]


@pytest.mark.parametrize("package", [autobyteus_core, autobyteus_core.testing])
def test_every_exported_name_resolves_to_its_defining_object(package):
    for name in package.__all__:
        value = getattr(package, name)
        assert value is not None, name
        if name in getattr(package, "_LAZY", {}):
            module = importlib.import_module(package._LAZY[name])
            assert value is getattr(module, name), name
    assert set(package.__all__) <= set(dir(package))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        _ = autobyteus_core.NoSuchThing  # type: ignore[attr-defined]


def test_importing_the_package_imports_no_heavy_module_until_a_name_is_used():
    code = (
        "import sys, autobyteus_core, autobyteus_core.testing\n"
        "heavy = ('pydantic', 'jinja2', 'structlog', 'click')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "autobyteus_core.AutobyteusSettings\n"
        "print('pydantic_settings' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    before, after = result.stdout.splitlines()
    assert before == "[]"
    assert after == "True"


@pytest.mark.parametrize("package", [autobyteus_core, autobyteus_core.testing])
def test_every_lazy_name_is_an_explicit_re_export_for_type_checkers(package):
    """mypy --strict refuses ``from autobyteus_core import X`` unless the module re-exports X
    explicitly (``import X as X``); the lazy table alone is invisible to it."""
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    guarded = [
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    ]
    explicit = {
        (node.module, alias.name)
        for block in guarded
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname == alias.name
    }
    assert explicit == set(((module, name) for name, module in package._LAZY.items()))
