"""Which plugin keeps a name two plugins register: a fixed precedence, refusal of the newcomer
only, ``replace=True``, and errors that name the plugin a missing name would come from."""

from __future__ import annotations

import importlib
import json
import textwrap
from pathlib import Path

import pytest

from autobyteus_core import hookimpl
from autobyteus_core.app import Application
from autobyteus_core.errors import PluginLoadError
from autobyteus_core.logging import reset_logging
from autobyteus_core.plugins import (
    DEFAULT_PLUGINS,
    ENV_LOAD,
    ENV_STRICT,
    FIRST_PARTY_DISTRIBUTIONS,
)
from autobyteus_core.registry import UnknownNameError
from autobyteus_core.workflow.base_step import BaseStep
from tests import REPO

#: A plugin registering the steps named in ``names`` (``name=replace`` asks to replace).
STEPS_PLUGIN = """
from autobyteus_core import hookimpl
from autobyteus_core.workflow.base_step import BaseStep

def _step(step_name):
    return type("S_" + step_name, (BaseStep,), {{"name": step_name, "description": "{dist}"}})

@hookimpl
def register_steps(register):
    for name in {names!r}:
        step_name, _, replace = name.partition("=")
        register(_step(step_name), replace=bool(replace))
"""


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_STRICT, "0")
    monkeypatch.setenv("AUTOBYTEUS_LOG_FORMAT", "json")
    reset_logging()


def steps_dist(make_dist, dist: str, *names: str, plugin: str = "") -> str:  # type: ignore[no-untyped-def]
    plugin = plugin or dist.replace("-", "_")
    module = plugin + "_mod"
    make_dist(
        dist,
        entry_points={plugin: module},
        modules={module: STEPS_PLUGIN.format(names=list(names), dist=dist)},
    )
    return plugin


def first_party(make_dist, *names: str) -> str:  # type: ignore[no-untyped-def]
    """A distribution named like the repository's coding-steps plugin (so these tests also run
    where that plugin is not installed), under a plugin name of its own."""
    return steps_dist(make_dist, "autobyteus-coding-steps", *names, plugin="ab_first_party")


def warnings(err: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def record(app: Application, name: str):  # type: ignore[no-untyped-def]
    return next(r for r in app.plugin_records() if r.name == name)


def test_a_first_party_plugin_keeps_its_name_and_the_newcomer_keeps_its_other_steps(
    make_dist, monkeypatch, lenient, capsys
):
    # "aaa" sorts before every first-party distribution, as the plugin in the issue did
    early = steps_dist(make_dist, "aaa-early", "implementation", "aaa_only")
    first = first_party(make_dist, "requirement", "implementation", "run_tests")
    monkeypatch.setenv(ENV_LOAD, f"{early},{first}")
    app = Application()
    assert app.steps.origin("implementation").plugin == first
    assert app.steps.origin("aaa_only").plugin == early
    assert {"requirement", "run_tests"} <= set(app.steps.names())
    newcomer = record(app, early)
    assert newcomer.status == "loaded"
    assert newcomer.registered == {"steps": ["aaa_only"]}
    assert newcomer.refused == {"steps": ["implementation"]}
    assert not record(app, first).failed
    (warning,) = warnings(capsys.readouterr().err)
    assert warning["event"] == (
        "autobyteus plugin 'aaa_early' (aaa-early 1.0) registered step 'implementation', which "
        "plugin 'ab_first_party' (autobyteus-coding-steps 1.0) already registered: "
        "ab_first_party keeps it, and aaa_early's other registrations stay; to use aaa_early's, "
        "disable the other with AUTOBYTEUS_DISABLE_PLUGINS=ab_first_party"
    )


def test_third_party_plugins_load_by_distribution_name_not_by_path_order(
    make_dist, monkeypatch, tmp_path, lenient
):
    steps_dist(make_dist, "ab-alpha", "shared")
    # "ab-zulu" sits in a folder that comes first on sys.path, so importlib finds it first
    earlier = tmp_path / "earlier-site"
    earlier.mkdir()
    info = earlier / "ab_zulu-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ab-zulu\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[autobyteus]\nab_zulu = ab_zulu_mod\n")
    (earlier / "ab_zulu_mod.py").write_text(
        textwrap.dedent(STEPS_PLUGIN.format(names=["shared"], dist="ab-zulu"))
    )
    monkeypatch.syspath_prepend(str(earlier))
    importlib.invalidate_caches()
    from importlib.metadata import entry_points

    found = [ep.name for ep in entry_points(group="autobyteus") if ep.name.startswith("ab_")]
    assert found.index("ab_zulu") < found.index("ab_alpha")  # the order the scan sees
    monkeypatch.setenv(ENV_LOAD, "ab_alpha,ab_zulu")
    app = Application()
    assert app.steps.get("shared").description == "ab-alpha"
    loaded = [r.name for r in app.plugin_records() if r.status == "loaded" and not r.default]
    assert loaded == ["ab_alpha", "ab_zulu"]
    assert record(app, "ab_zulu").refused == {"steps": ["shared"]}


def test_the_cores_default_provider_keeps_its_name(make_dist, monkeypatch, lenient):
    make_dist(
        "ab-scripted",
        entry_points={"ab_scripted": "ab_scripted_mod"},
        modules={
            "ab_scripted_mod": STEPS_PLUGIN.format(names=["ab_step"], dist="ab-scripted")
            + textwrap.dedent(
                """
                from autobyteus_core.testing.replies_file import ScriptedFileProvider

                @hookimpl
                def register_llm_providers(register):
                    register(ScriptedFileProvider())
                """
            )
        },
    )
    monkeypatch.setenv(ENV_LOAD, "ab-scripted")
    app = Application()
    assert app.llm.providers.origin("scripted").plugin == "scripted_provider"
    assert not record(app, "scripted_provider").failed
    assert record(app, "ab_scripted").refused == {"llm_providers": ["scripted"]}
    assert "ab_step" in app.steps


def test_replace_takes_the_name_over_is_shown_and_undone_when_the_replacer_fails(
    make_dist, monkeypatch, lenient, capsys
):
    from click.testing import CliRunner

    from autobyteus_core.cli import cli

    steps_dist(make_dist, "ab-better", "implementation=replace")
    first = first_party(make_dist, "implementation")
    monkeypatch.setenv(ENV_LOAD, f"{first},ab-better")
    app = Application()
    assert app.steps.origin("implementation").plugin == "ab_better"
    replacer = record(app, "ab_better")
    assert replacer.replaces == [
        "step 'implementation' from plugin 'ab_first_party' (autobyteus-coding-steps 1.0)"
    ]
    assert capsys.readouterr().err == ""  # replacing on purpose is no warning
    result = CliRunner().invoke(cli, ["plugins"], env={"COLUMNS": "200"})
    assert "replaces step 'implementation' from plugin 'ab_first_party'" in result.output
    as_json = CliRunner().invoke(cli, ["plugins", "--json"])
    entry = next(r for r in json.loads(as_json.output) if r["name"] == "ab_better")
    assert entry["replaces"] == replacer.replaces
    app.host.fail(replacer, "failed later", RuntimeError("boom"))
    assert app.steps.origin("implementation").plugin == first


def test_an_unknown_name_lists_the_plugins_that_failed_to_import(make_dist, monkeypatch, lenient):
    make_dist(
        "ab-gone",
        "2.0",
        entry_points={"gone": "ab_gone_mod"},
        modules={"ab_gone_mod": "import module_that_does_not_exist_anywhere\n"},
    )
    monkeypatch.setenv(ENV_LOAD, "gone")
    with pytest.raises(UnknownNameError) as caught:
        Application().workflows.get("automated_coding")
    assert str(caught.value) == (
        "unknown workflow 'automated_coding'; registered workflows: none; plugins that failed "
        "to load (one may provide it): plugin 'gone' (ab-gone 2.0): ModuleNotFoundError: No "
        "module named 'module_that_does_not_exist_anywhere'"
    )


def test_in_strict_mode_a_collision_is_one_precise_error(autobyteus_app, register_plugin):
    def plugin_with_a_docs_step() -> object:
        step = type("Docs", (BaseStep,), {"name": "docs"})

        class Plugin:
            @hookimpl
            def register_steps(self, register):  # type: ignore[no-untyped-def]
                register(step)

        return Plugin()

    register_plugin(plugin_with_a_docs_step(), "one")
    with pytest.raises(PluginLoadError) as caught:
        register_plugin(plugin_with_a_docs_step(), "two")
    assert str(caught.value) == (
        "autobyteus plugin 'two' registered step 'docs', which plugin 'one' already "
        "registered; give it another name, or register it with replace=True to take it over"
    )


def test_strict_mode_does_not_say_skipped(autobyteus_app):
    class Bad:
        @hookimpl
        def register_steps(self, register):  # type: ignore[no-untyped-def]
            raise RuntimeError("no")

    with pytest.raises(PluginLoadError) as caught:
        autobyteus_app.add_plugin(Bad(), "bad")
        autobyteus_app.fill_all()
    assert str(caught.value) == "autobyteus plugin 'bad' raised in register_steps: RuntimeError: no"


@pytest.mark.parametrize(
    ("env", "level"),
    [({"AUTOBYTEUS_LOG_LEVEL": "debug"}, "debug"), ({"AUTOBYTEUS_TRACE_PLUGINS": "1"}, "warning")],
)
def test_the_frames_of_a_load_failure_are_shown_at_debug_or_when_tracing(
    make_dist, monkeypatch, lenient, capsys, site_dir: Path, env, level
):
    source = "def connect():\n    raise OSError('no driver')\n\nconnect()\n"
    make_dist("ab-tb", entry_points={"tb": "ab_tb_mod"}, modules={"ab_tb_mod": source})
    monkeypatch.setenv(ENV_LOAD, "tb")
    Application().load_plugins()
    assert "traceback" not in capsys.readouterr().err  # by default: the warning line only
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_logging()
    Application().load_plugins()
    lines = warnings(capsys.readouterr().err)
    where = next(line for line in lines if line["event"].startswith("where plugin 'tb'"))
    assert where["level"] == level
    module = str(site_dir / "ab_tb_mod.py")
    assert where["traceback"] == [
        f"{module}:4 in <module>: connect()",
        f"{module}:2 in connect: raise OSError('no driver')",
    ]


def test_the_log_level_option_shows_the_frames_of_a_load_failure(
    make_dist, monkeypatch, lenient, site_dir: Path
):
    from click.testing import CliRunner

    from autobyteus_core.cli import cli

    source = "def connect():\n    raise OSError('no driver')\n\nconnect()\n"
    make_dist("ab-tb", entry_points={"tb": "ab_tb_mod"}, modules={"ab_tb_mod": source})
    monkeypatch.setenv(ENV_LOAD, "tb")
    monkeypatch.delenv("AUTOBYTEUS_LOG_LEVEL", raising=False)
    result = CliRunner().invoke(cli, ["--log-level", "debug", "plugins", "--json"])
    lines = warnings(result.stderr)
    where = next(line for line in lines if line["event"].startswith("where plugin 'tb'"))
    assert where["traceback"][-1] == (
        f"{site_dir / 'ab_tb_mod.py'}:2 in connect: raise OSError('no driver')"
    )


def test_every_distribution_of_this_repository_is_first_party() -> None:
    from autobyteus_core.tomlcompat import tomllib

    plugins = REPO / "plugins"
    names = {
        tomllib.loads(path.read_text(encoding="utf-8"))["project"]["name"]
        for path in plugins.glob("*/pyproject.toml")
    }
    assert names and set(FIRST_PARTY_DISTRIBUTIONS) == names


def test_contributing_lists_the_precedence_as_the_loader_has_it() -> None:
    contributing = REPO / "CONTRIBUTING.md"
    section = contributing.read_text(encoding="utf-8").split("## Precedence: who keeps a name")[1]
    steps = " ".join(section.split("The first plugin to register a name keeps it.")[0].split())
    defaults = ", ".join(f"`{path.rsplit('.', 1)[-1]}`" for path in DEFAULT_PLUGINS)
    first_party = ", ".join(f"`{name}`" for name in FIRST_PARTY_DISTRIBUTIONS)
    assert f"1. the core's default plugins ({defaults});" in steps
    assert f"this repository's distributions ({first_party});" in steps
