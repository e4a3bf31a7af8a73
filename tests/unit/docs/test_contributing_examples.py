"""CONTRIBUTING.md's promises: its two example plugins work, their tests pass with the kit, and
each fits in under 30 lines (tests/unit/docs checks the hook reference sections)."""

from __future__ import annotations

import importlib
import importlib.util
import shutil

import pytest

from autobyteus_core.hookspecs import ALL_HOOKS
from autobyteus_core.tomlcompat import tomllib

PLUGINS = {"autobyteus-summary": "autobyteus_summary", "autobyteus-echo": "autobyteus_echo"}


@pytest.mark.parametrize("distribution", sorted(PLUGINS))
def test_example_plugin_code_is_under_30_lines(contributing_examples, distribution):
    code = contributing_examples[f"{distribution}/{PLUGINS[distribution]}/__init__.py"]
    assert len(code.splitlines()) < 30


@pytest.mark.parametrize("distribution", sorted(PLUGINS))
def test_example_pyproject_declares_the_entry_point(
    contributing_examples, write_contributing_example, distribution, monkeypatch, tmp_path
):
    pyproject = tomllib.loads(contributing_examples[f"{distribution}/pyproject.toml"])
    assert pyproject["project"]["name"] == distribution
    ((_name, target),) = pyproject["project"]["entry-points"]["autobyteus"].items()
    assert target == PLUGINS[distribution]
    root = write_contributing_example(distribution, tmp_path)
    monkeypatch.syspath_prepend(str(root))
    try:
        module = importlib.import_module(target)
        assert any(hasattr(getattr(module, hook, None), "autobyteus_impl") for hook in ALL_HOOKS)
    finally:
        import sys

        sys.modules.pop(target, None)


@pytest.mark.parametrize("distribution", sorted(PLUGINS))
def test_example_plugin_tests_pass_with_the_testing_kit(
    pytester, write_contributing_example, distribution, tmp_path
):
    """The tests CONTRIBUTING.md shows, run by pytest with the example's own pyproject.toml."""
    source = write_contributing_example(distribution, tmp_path)
    shutil.copytree(source, pytester.path, dirs_exist_ok=True)
    pytester.syspathinsert()
    # In a subprocess: in-process, pytester drops the modules the run imported (jinja2) from
    # sys.modules afterwards, and the core's cached jinja2 environment would outlive its module.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    if distribution != "autobyteus-summary":
        result.assert_outcomes(passed=1)
    elif importlib.util.find_spec("autobyteus_coding_steps") is not None:
        result.assert_outcomes(passed=3)
    else:  # tox core-only: the example that runs the coding steps skips itself
        result.assert_outcomes(passed=2, skipped=1)
