"""``autobyteus plugin new``: each kind of plugin is generated, lint-clean, its own tests pass, and
once pip-installed into a fresh virtualenv next to the core, ``autobyteus plugins`` loads it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from autobyteus_core import PLUGIN_API_VERSION
from autobyteus_core.cli import cli
from autobyteus_core.scaffold.generator import KINDS, PluginNames, ScaffoldError, render_plugin
from autobyteus_core.testing.venv import Venv
from autobyteus_core.tomlcompat import tomllib
from autobyteus_core.versions import version_in_range
from tests import REPO

#: kind → (name given, registry key in ``registered``, registered name)
CASES = {
    "step": ("autobyteus-shout", "steps", "shout"),
    "provider": ("echo-llm", "llm_providers", "echo_llm"),
    "workspace": ("autobyteus-node-ws", "workspace_settings", "node_ws"),
    "observer": ("autobyteus-audit-observer", None, None),  # registers nothing
}


def generate(kind: str, parent: Path) -> Path:
    name = CASES[kind][0]
    target = parent / name
    result = CliRunner().invoke(cli, ["plugin", "new", name, "--kind", kind, "--dir", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Created {kind} plugin {name}" in result.output
    return target


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_generated_distribution_has_entry_point_dev_extra_and_api_range(
    kind: str, tmp_path: Path
) -> None:
    target = generate(kind, tmp_path)
    names = PluginNames.from_name(CASES[kind][0])

    for expected in ("pyproject.toml", "README.md", "tox.ini", "tests/test_plugin.py"):
        assert (target / expected).is_file(), expected
    project = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == names.distribution
    assert project["entry-points"]["autobyteus"] == {names.plugin: names.package}
    assert any(dep.startswith("pytest") for dep in project["optional-dependencies"]["dev"])
    assert any(dep.startswith("autobyteus-core>=") for dep in project["dependencies"])
    init = (target / "src" / names.package / "__init__.py").read_text(encoding="utf-8")
    assert f"def {KINDS[kind][0]}(" in init
    (api_line,) = [line for line in init.splitlines() if line.startswith("AUTOBYTEUS_PLUGIN_API")]
    assert version_in_range(PLUGIN_API_VERSION, api_line.split("=", 1)[1].strip().strip('"'))
    readme = (target / "README.md").read_text(encoding="utf-8")
    assert f"autobyteus install {names.distribution}" in readme


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_generated_code_is_lint_clean_and_its_tests_pass(kind: str, tmp_path: Path) -> None:
    target = generate(kind, tmp_path)
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is not None:
        for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
            lint = subprocess.run([ruff, *args], cwd=target, capture_output=True, text=True)
            assert lint.returncode == 0, lint.stdout + lint.stderr
    env = {**os.environ, "PYTHONPATH": str(target / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout and "failed" not in proc.stdout


def test_names_are_derived_from_the_one_given() -> None:
    names = PluginNames.from_name("Autobyteus_Big.Shout")
    assert names == PluginNames(
        distribution="autobyteus-big-shout",
        package="autobyteus_big_shout",
        plugin="big-shout",
        ident="big_shout",
        class_prefix="BigShout",
    )


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("autobyteus-docs-step", "Docs"), ("echo-provider", "Echo"), ("big-shout", "BigShout")],
)
def test_class_names_do_not_repeat_the_kind(name: str, prefix: str) -> None:
    assert PluginNames.from_name(name).class_prefix == prefix
    files = render_plugin(name, "step")
    step = next(text for path, text in files.items() if path.name == "step.py")
    assert f"class {prefix}Step(" in step
    assert "StepStep" not in step


def test_an_observer_plugin_writes_events_into_the_run_folder(tmp_path: Path) -> None:
    files = render_plugin("autobyteus-audit", "observer")
    init = next(text for path, text in files.items() if path.name == "__init__.py")
    assert "def workflow_event(event: WorkflowEvent) -> None:" in init
    assert 'LOG_NAME = "audit.jsonl"' in init


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("9lives", "invalid plugin name"),
        ("has space", "invalid plugin name"),
        ("autobyteus-core", "core's own name"),
        ("autobyteus-class", "Python keyword"),
        ("-x", "invalid plugin name"),
    ],
)
def test_bad_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(ScaffoldError, match=message):
        render_plugin(name, "step")


def test_a_non_empty_target_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(cli, ["plugin", "new", "mine", "--dir", str(target)])
    assert result.exit_code == 1
    assert "already exists and is not an empty folder" in result.output
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["plugin", "new", "x", "--kind", "tool", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "'tool' is not one of 'step', 'provider', 'workspace'" in result.output


# -- the real thing: pip-installed into a fresh virtualenv next to the core ---------------------


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    """One virtualenv with the core (built as a wheel from this checkout), shared by the kinds.

    Distributions are built with the virtualenv's own hatchling, not in a new isolated build
    environment each (pip reads PIP_NO_BUILD_ISOLATION=0 as ``--no-build-isolation``).
    """
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PIP_NO_BUILD_ISOLATION", "0")
        venv = Venv.create(tmp_path_factory.mktemp("scaffold") / "venv", "hatchling>=1.21")
        venv.pip("install", REPO)
        yield venv


@pytest.mark.slow
@pytest.mark.venv
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_generated_plugin_installs_passes_its_tests_and_is_listed(
    kind: str, venv: Venv, tmp_path: Path
) -> None:
    target = generate(kind, tmp_path)
    _name, registry, registered = CASES[kind]
    names = PluginNames.from_name(CASES[kind][0])
    venv.pip("install", f"{target}[dev]")

    tests = venv.run(venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=target)
    assert " passed" in tests.stdout

    listing = venv.autobyteus("plugins", "--json")
    records = json.loads(listing.stdout)
    if isinstance(records, dict):
        records = records["plugins"]
    (record,) = [r for r in records if r["name"] == names.plugin]
    assert record["distribution"] == names.distribution
    assert record["version"] == "0.1.0"
    assert record["status"] == "loaded", record
    if registry is None:
        assert (record["registered"], record["hooks"]) == ({}, [KINDS[kind][0]])
    else:
        assert record["registered"][registry] == [registered]
