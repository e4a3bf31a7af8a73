"""Third-party plugins, installed with pip into a fresh virtualenv next to the core, seen through
the real ``autobyteus`` executable.

The two working plugins are the examples of CONTRIBUTING.md, built from its text; a third
distribution raises at import. One virtualenv serves the whole module: it gets hatchling once,
then the core (from this checkout, its dependencies from pip's cache) and the three plugins are
built without build isolation.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from autobyteus_core.plugins import FIRST_PARTY_DISTRIBUTIONS
from autobyteus_core.testing.venv import Venv
from tests import REPO

pytestmark = [pytest.mark.slow, pytest.mark.venv]

FIRST_PARTY = set(FIRST_PARTY_DISTRIBUTIONS)

BROKEN_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "autobyteus-broken"
version = "0.0.7"
dependencies = ["autobyteus-core"]

[project.entry-points.autobyteus]
broken = "autobyteus_broken"
"""

#: The environment every command runs with: failures are warnings (the CLI's default), and
#: nothing from the machine running the tests decides which plugins load.
BASE_ENV = {
    "AUTOBYTEUS_STRICT_PLUGINS": "0",
    "AUTOBYTEUS_LOG_FORMAT": "json",
    "AUTOBYTEUS_LOAD_PLUGINS": "autobyteus-summary,autobyteus-echo,autobyteus-broken",
}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, write_contributing_example: Any) -> Venv:
    root = tmp_path_factory.mktemp("plugin-distribution")
    summary = write_contributing_example("autobyteus-summary", root / "src")
    echo = write_contributing_example("autobyteus-echo", root / "src")
    broken = root / "src" / "autobyteus-broken"
    (broken / "autobyteus_broken").mkdir(parents=True)
    (broken / "pyproject.toml").write_text(BROKEN_PYPROJECT, encoding="utf-8")
    (broken / "autobyteus_broken" / "__init__.py").write_text(
        'raise RuntimeError("autobyteus-broken needs a GPU driver that is not installed")\n',
        encoding="utf-8",
    )
    env = Venv.create(root / "venv", "hatchling>=1.21")
    env.pip("install", "--no-build-isolation", str(REPO))
    env.pip("install", "--no-build-isolation", "--no-deps", str(summary), str(echo), str(broken))
    return env


def autobyteus(venv: Venv, *args: str, **env: str) -> Any:
    return venv.autobyteus(*args, env={**BASE_ENV, **env}, check=False)


def warning_lines(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


def test_the_core_is_installed_from_this_checkout_without_the_first_party_plugins(venv):
    proc = venv.run(venv.python, "-m", "pip", "list", "--format=json")
    names = {p["name"].lower() for p in json.loads(proc.stdout)}
    assert "autobyteus-core" in names
    assert not names & FIRST_PARTY


def test_installed_plugins_are_listed_with_their_versions_and_the_broken_one_reported(venv):
    proc = autobyteus(venv, "plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    records = {r["name"]: r for r in json.loads(proc.stdout)}
    summary = records["summary"]
    assert (summary["distribution"], summary["version"], summary["status"]) == (
        "autobyteus-summary",
        "0.1.0",
        "loaded",
    )
    assert summary["registered"] == {"steps": ["summary"]}
    assert records["echo"]["registered"] == {"llm_providers": ["echo"]}
    broken = records["broken"]
    assert broken["status"] == "failed"
    assert broken["version"] == "0.0.7"
    assert (
        broken["error"]
        == "RuntimeError: autobyteus-broken needs a GPU driver that is not installed"
    )
    (warning,) = warning_lines(proc.stderr)
    assert warning["plugin"] == "broken"
    assert "autobyteus plugin 'broken' (autobyteus-broken 0.0.7) failed to load" in warning["event"]


def test_plugins_table_shows_versions_and_the_failure(venv):
    proc = autobyteus(venv, "plugins")
    assert proc.returncode == 0
    assert "autobyteus-summary" in proc.stdout
    assert "0.1.0" in proc.stdout
    assert "plugin 'broken' (autobyteus-broken 0.0.7): RuntimeError" in proc.stdout


def test_step_and_provider_are_usable(venv, tmp_path):
    steps = {s["name"]: s for s in json.loads(autobyteus(venv, "steps", "--json").stdout)}
    assert steps["summary"]["distribution"] == "autobyteus-summary"
    models = {m["id"]: m for m in json.loads(autobyteus(venv, "models", "--json").stdout)}
    assert models["echo:upper"]["distribution"] == "autobyteus-echo"
    script = textwrap.dedent(
        """
        import sys
        from autobyteus_core.workflow.workflow import Workflow

        workflow = Workflow.from_steps(["summary"], workspace=sys.argv[1], model="echo:upper")
        run = workflow.run(requirement="a tool that counts words")
        print(run.status.value)
        """
    )
    proc = venv.run(venv.python, "-c", script, str(tmp_path), env=BASE_ENV)
    assert proc.stdout.strip() == "succeeded"
    summary = (tmp_path / "SUMMARY.md").read_text(encoding="utf-8")
    assert summary == "SUMMARISE IN ONE PARAGRAPH:\nA TOOL THAT COUNTS WORDS"


def test_plugins_check_imports_what_was_registered_by_path_and_reports_failures(venv):
    proc = autobyteus(venv, "plugins", "--check", "--json")
    assert proc.returncode == 1  # the broken plugin
    status = {r["name"]: r["status"] for r in json.loads(proc.stdout)}
    assert status["summary"] == "loaded" and status["broken"] == "failed"
    fine = autobyteus(venv, "plugins", "--check", AUTOBYTEUS_DISABLE_PLUGINS="broken")
    assert fine.returncode == 0, fine.stderr
    assert fine.stderr == ""


def test_broken_plugin_does_not_break_the_cli(venv):
    for args in (("--help",), ("steps",), ("models", "--json"), ("config", "show", "--json")):
        proc = autobyteus(venv, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert [w["plugin"] for w in warning_lines(proc.stderr)] == ["broken"]


def test_strict_mode_makes_the_broken_plugin_an_error(venv):
    proc = autobyteus(venv, "steps", AUTOBYTEUS_STRICT_PLUGINS="1")
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: autobyteus plugin 'broken' (autobyteus-broken 0.0.7)")


def test_disable_plugins(venv):
    proc = autobyteus(
        venv, "plugins", "--json", AUTOBYTEUS_DISABLE_PLUGINS="broken,autobyteus-summary"
    )
    assert proc.returncode == 0
    assert proc.stderr == ""  # the broken plugin was not even imported
    status = {r["name"]: r["status"] for r in json.loads(proc.stdout)}
    assert status == {
        "summary": "disabled",
        "echo": "loaded",
        "broken": "disabled",
        "python_workspace": "loaded",
        "scripted_provider": "loaded",
        "event_log": "loaded",
        "local_executor": "loaded",
    }
    steps = autobyteus(venv, "steps", "--json", AUTOBYTEUS_DISABLE_PLUGINS="summary,broken")
    assert json.loads(steps.stdout) == []


def test_load_plugins(venv):
    proc = autobyteus(venv, "models", "--json", AUTOBYTEUS_LOAD_PLUGINS="autobyteus-echo")
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert {m["provider"] for m in json.loads(proc.stdout)} == {"echo", "scripted"}
    none = autobyteus(venv, "plugins", "--json", AUTOBYTEUS_LOAD_PLUGINS="")
    loaded = {r["name"] for r in json.loads(none.stdout) if r["status"] == "loaded"}
    assert loaded == {"python_workspace", "scripted_provider", "event_log", "local_executor"}
