"""``autobyteus install``/``uninstall``/``plugins --freeze`` against local plugin distributions in a
real virtualenv: pip runs in autobyteus's own interpreter, new plugins are reported with what they
registered, a broken plugin never stops its own removal, and a frozen list reinstalls everything."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from autobyteus_core import PLUGIN_API_VERSION
from autobyteus_core.testing.venv import Venv
from tests import REPO

pytestmark = [pytest.mark.slow, pytest.mark.venv]


STEP_PLUGIN = """
from autobyteus_core import hookimpl
from autobyteus_core.workflow.base_step import BaseStep


class GreetStep(BaseStep):
    name = "{step}"


@hookimpl
def register_steps(register):
    register(GreetStep)
"""

#: Touches $ABT_MARKER when imported, then fails: proves whether a command loaded plugins.
BROKEN_PLUGIN = """
import os
import subprocess
from pathlib import Path

Path(os.environ["ABT_MARKER"]).touch()
raise ImportError("abt_broken cannot be imported")
"""

FUTURE_PLUGIN = """
from autobyteus_core import hookimpl

AUTOBYTEUS_PLUGIN_API = ">=2,<3"


@hookimpl
def register_steps(register):
    pass
"""


#: Registers a step by an import path that does not exist: only importing it shows the mistake.
WRONG_PATH_PLUGIN = """
from autobyteus_core import Deferred, hookimpl


@hookimpl
def register_steps(register):
    register(Deferred("abt_lazy", "abt_wrong_path.nowhere:LazyStep"))
"""


def write_plugin(
    root: Path, dist: str, version: str, source: str, plugin_name: str | None = None
) -> Path:
    """A minimal plugin distribution folder whose module is ``dist`` with ``_`` for ``-``, and
    whose plugin (entry-point) name is ``plugin_name``, by default the module's."""
    package = dist.replace("-", "_")
    folder = root / f"{dist}-{version}"
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["hatchling>=1.21"]
            build-backend = "hatchling.build"

            [project]
            name = "{dist}"
            version = "{version}"
            dependencies = ["autobyteus-core"]

            [project.entry-points.autobyteus]
            {plugin_name or package} = "{package}"
            """
        ),
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    """One virtualenv with the core, shared by this module's tests (pip is slow).

    Local distributions are built with the virtualenv's own hatchling (and ``editables`` for
    ``-e``) rather than in a new isolated build environment each time (pip reads
    PIP_NO_BUILD_ISOLATION=0 as ``--no-build-isolation``); the variable reaches the pip that
    ``autobyteus install`` runs.
    """
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PIP_NO_BUILD_ISOLATION", "0")
        venv = Venv.create(
            tmp_path_factory.mktemp("install") / "venv", "hatchling>=1.21", "editables"
        )
        venv.pip("install", REPO)
        yield venv


def installed(venv: Venv) -> set[str]:
    """The distributions installed in ``venv``, by pip's own list."""
    listed = venv.run(venv.python, "-m", "pip", "list", "--format=json").stdout
    return {entry["name"] for entry in json.loads(listed)}


@pytest.fixture(autouse=True)
def _leaves_no_plugin_behind(venv: Venv) -> Iterator[None]:
    """What a test installed is removed after it even when it failed half-way, so one failing
    test does not fail the next ones that share the virtualenv."""
    before = installed(venv)
    yield
    left = installed(venv) - before
    if left:
        venv.pip("uninstall", "--yes", *sorted(left))


@pytest.fixture
def strict_env(tmp_path: Path) -> dict[str, str]:
    return {"AUTOBYTEUS_STRICT_PLUGINS": "1", "ABT_MARKER": str(tmp_path / "imported")}


def install_failing(
    venv: Venv, source: Path, dist: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``autobyteus install`` of a plugin that fails to load: status 1 and an error naming it."""
    installed = venv.autobyteus("install", source, env=env, check=False)
    assert installed.returncode == 1
    assert f"Error: installed, but failed to load: {dist}" in installed.stderr
    return installed


def frozen(venv: Venv) -> list[str]:
    return venv.autobyteus("plugins", "--freeze").stdout.splitlines()


def test_install_reports_what_the_new_plugin_registered_then_uninstall_removes_it(
    venv: Venv, tmp_path: Path
) -> None:
    source = write_plugin(tmp_path, "abt-greet", "0.1.0", STEP_PLUGIN.format(step="abt_greet"))

    installed = venv.autobyteus("install", source)

    assert "Running: " in installed.stderr and " -m pip install " in installed.stderr
    assert "Installed plugin 'abt_greet' (abt-greet 0.1.0):" in installed.stdout
    assert "  steps: abt_greet" in installed.stdout
    assert "  hooks: register_steps" in installed.stdout

    again = venv.autobyteus("install", "abt-greet")  # already satisfied: nothing new
    assert "No new autobyteus plugin was installed." in again.stdout

    removed = venv.autobyteus("uninstall", "abt-greet", "-y")
    assert "Removed plugin abt-greet 0.1.0" in removed.stdout
    assert not any("abt-greet" in line for line in frozen(venv))


def test_a_broken_plugin_is_reported_and_never_blocks_install_or_uninstall(
    venv: Venv, tmp_path: Path, strict_env: dict[str, str]
) -> None:
    marker = Path(strict_env["ABT_MARKER"])
    broken = write_plugin(tmp_path, "abt-broken", "1.0.0", BROKEN_PLUGIN)
    good = write_plugin(tmp_path, "abt-fine", "0.2.0", STEP_PLUGIN.format(step="abt_fine"))

    installed = install_failing(venv, broken, "abt-broken", env=strict_env)
    assert "Installed plugin 'abt_broken' (abt-broken 1.0.0) FAILED to load" in installed.stdout
    assert "abt_broken cannot be imported" in installed.stdout
    assert "remove it with: autobyteus uninstall abt-broken" in installed.stdout
    marker.unlink()  # the fresh listing process imported it, as it should

    # Strict mode would raise on the broken plugin if these commands loaded plugins.
    other = venv.autobyteus("install", good, env=strict_env)
    assert "Installed plugin 'abt_fine' (abt-fine 0.2.0):" in other.stdout
    assert "abt_broken" not in other.stdout
    marker.unlink()

    assert "abt-broken==1.0.0" not in frozen(venv)  # installed from a folder: a direct URL
    assert any(line.startswith("abt-broken @ file://") for line in frozen(venv))
    assert not marker.exists(), "plugins --freeze must not import plugins"

    removed = venv.autobyteus("uninstall", "abt-broken", "abt-fine", "-y", env=strict_env)
    assert "Removed plugin abt-broken 1.0.0" in removed.stdout
    assert "Removed plugin abt-fine 0.2.0" in removed.stdout
    assert not marker.exists(), "uninstall must not import plugins"


def test_frozen_plugins_reinstall_from_a_requirements_file_and_upgrade(
    venv: Venv, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels"
    for version in ("0.1.0", "0.2.0"):
        source = write_plugin(tmp_path, "abt-8c1f-pinned", version, STEP_PLUGIN.format(step="pin"))
        venv.pip("wheel", "--no-deps", "--wheel-dir", wheels, source)
    index = {"PIP_FIND_LINKS": f"{os.environ.get('PIP_FIND_LINKS', '')} {wheels}".strip()}
    editable = write_plugin(tmp_path, "abt-editable", "0.1.0", STEP_PLUGIN.format(step="edit"))

    pinned = venv.autobyteus("install", "abt-8c1f-pinned==0.1.0", "-e", editable, env=index)
    assert "(abt-8c1f-pinned 0.1.0)" in pinned.stdout
    assert "(abt-editable 0.1.0)" in pinned.stdout

    lines = frozen(venv)
    assert "abt-8c1f-pinned==0.1.0" in lines
    assert f"-e {editable}" in lines
    requirements = tmp_path / "plugins.txt"
    requirements.write_text("\n".join(lines) + "\n", encoding="utf-8")

    venv.autobyteus("uninstall", "-y", "abt-8c1f-pinned", "abt-editable")
    assert frozen(venv) == []

    restored = venv.autobyteus("install", "-r", requirements, env=index)
    assert "Installed plugin 'abt_8c1f_pinned' (abt-8c1f-pinned 0.1.0):" in restored.stdout
    assert "Installed plugin 'abt_editable' (abt-editable 0.1.0):" in restored.stdout
    assert sorted(frozen(venv)) == sorted(lines)

    upgraded = venv.autobyteus("install", "-U", "abt-8c1f-pinned", env=index)
    assert "Installed plugin 'abt_8c1f_pinned' (abt-8c1f-pinned 0.2.0):" in upgraded.stdout
    assert "abt_editable" not in upgraded.stdout
    venv.autobyteus("uninstall", "-y", "abt-8c1f-pinned", "abt-editable")


def test_a_plugin_for_another_plugin_api_is_refused_naming_both_versions(
    venv: Venv, tmp_path: Path
) -> None:
    source = write_plugin(tmp_path, "abt-future", "3.0.0", FUTURE_PLUGIN)

    installed = install_failing(venv, source, "abt-future")
    assert "(abt-future 3.0.0) FAILED to load" in installed.stdout
    assert ">=2,<3" in installed.stdout and PLUGIN_API_VERSION in installed.stdout

    listing = venv.autobyteus("plugins", env={"AUTOBYTEUS_STRICT_PLUGINS": "0"})
    assert "Failed to load:" in listing.stdout
    failed = listing.stdout.split("Failed to load:", 1)[1]
    (line,) = [line for line in failed.splitlines() if "abt_future" in line]
    assert "(abt-future 3.0.0)" in line
    assert "plugin API >=2,<3" in line and f"provides plugin API {PLUGIN_API_VERSION}" in line

    lenient = {"AUTOBYTEUS_STRICT_PLUGINS": "0"}
    hooks = venv.autobyteus("plugins", "--hook", "register_steps", "--json", env=lenient)
    assert json.loads(hooks.stdout) == []  # a refused plugin implements nothing
    providers = venv.autobyteus("plugins", "--hook", "register_llm_providers", env=lenient)
    assert "scripted_provider" in providers.stdout
    assert "python_workspace" not in providers.stdout
    venv.autobyteus("uninstall", "-y", "abt-future")


def test_install_imports_what_was_registered_by_path_and_fails_on_a_wrong_path(
    venv: Venv, tmp_path: Path
) -> None:
    source = write_plugin(tmp_path, "abt-wrong-path", "0.1.0", WRONG_PATH_PLUGIN)

    installed = install_failing(venv, source, "abt-wrong-path")

    assert "Installed plugin 'abt_wrong_path' (abt-wrong-path 0.1.0) FAILED to load" in (
        installed.stdout
    )
    assert "step 'abt_lazy' of plugin 'abt_wrong_path'" in installed.stdout
    assert "'abt_wrong_path.nowhere:LazyStep'" in installed.stdout
    venv.autobyteus("uninstall", "-y", "abt-wrong-path")


@pytest.fixture
def shout(venv: Venv, tmp_path: Path) -> Iterator[str]:
    """The plugin ``shout`` of the distribution ``abt-shout-dist``, installed for one test."""
    source = write_plugin(
        tmp_path, "abt-shout-dist", "0.1.0", STEP_PLUGIN.format(step="shout"), "shout"
    )
    venv.autobyteus("install", source)
    yield "abt-shout-dist"
    if any("abt-shout-dist" in line for line in frozen(venv)):
        venv.autobyteus("uninstall", "-y", "abt-shout-dist")


def test_uninstall_takes_the_plugin_name(venv: Venv, shout: str) -> None:
    removed = venv.autobyteus("uninstall", "-y", "shout")
    assert "Plugin shout comes from the distribution abt-shout-dist." in removed.stderr
    assert "Removed plugin abt-shout-dist 0.1.0" in removed.stdout
    assert not any("abt-shout-dist" in line for line in frozen(venv))


def test_uninstall_refuses_a_name_that_is_neither_a_plugin_nor_a_distribution(
    venv: Venv, shout: str
) -> None:
    unknown = venv.autobyteus("uninstall", "-y", "whisper", check=False)
    assert unknown.returncode == 2
    assert "no installed plugin or plugin distribution is named 'whisper'" in unknown.stderr
    assert "abt-shout-dist (plugin shout)" in unknown.stderr


def test_uninstall_without_a_terminal_to_confirm_says_use_y(venv: Venv, shout: str) -> None:
    asked = venv.run(venv.bin("autobyteus"), "uninstall", "shout", input="", check=False)
    assert asked.returncode == 2
    assert "no terminal to answer it: use -y (autobyteus uninstall -y abt-shout-dist)" in (
        asked.stderr
    )
    assert "Traceback" not in asked.stderr and "EOFError" not in asked.stderr
    assert any("abt-shout-dist" in line for line in frozen(venv))


#: Takes a first-party step name and the core's provider name, and has a step of its own.
GREEDY_PLUGIN = """
from autobyteus_core import hookimpl
from autobyteus_core.workflow.base_step import BaseStep


@hookimpl
def register_steps(register):
    register(type("Impl", (BaseStep,), {"name": "implementation"}))
    register(type("Own", (BaseStep,), {"name": "abt_own"}))


@hookimpl
def register_llm_providers(register):
    from autobyteus_core.testing.replies_file import ScriptedFileProvider

    register(ScriptedFileProvider())
"""


def test_precedence_does_not_depend_on_the_order_plugins_are_found_in(
    venv: Venv, tmp_path: Path
) -> None:
    """The core's defaults, then first-party plugins, then the others by distribution name:
    here importlib finds them in the opposite order (each of the two third-party plugins is
    installed into its own folder, put first on PYTHONPATH, the late one first), and a
    third-party plugin that registers a first-party step name and the core's provider name
    never knocks either out."""
    folders = {}
    for dist, source in (
        ("abt-zzz-late", STEP_PLUGIN.format(step="abt_own")),
        ("abt-aaa-early", GREEDY_PLUGIN),
    ):
        folders[dist] = tmp_path / f"{dist}-site"
        venv.pip("install", "--no-deps", "--target", folders[dist],
                 write_plugin(tmp_path, dist, "0.1.0", source))  # fmt: skip
    venv.autobyteus("install", REPO / "plugins" / "autobyteus-coding-steps")
    env = {
        "PYTHONPATH": os.pathsep.join(str(folders[d]) for d in ("abt-zzz-late", "abt-aaa-early")),
        "AUTOBYTEUS_STRICT_PLUGINS": "0",
        "AUTOBYTEUS_LOG_FORMAT": "json",
    }
    try:
        found = venv.run(
            venv.python, "-c",
            "from importlib.metadata import entry_points as e; "
            "print(*[p.name for p in e(group='autobyteus')])",
            env=env,
        ).stdout.split()  # fmt: skip
        assert found.index("abt_zzz_late") < found.index("abt_aaa_early")
        assert found.index("abt_aaa_early") < found.index("coding_steps")

        steps = venv.autobyteus("steps", "--json", env=env)
        owners = {s["name"]: s["plugin"] for s in json.loads(steps.stdout)}
        assert owners["implementation"] == "coding_steps"
        assert owners["abt_own"] == "abt_aaa_early"
        assert {"requirement", "architecture_design", "test_generation", "run_tests"} <= set(owners)
        logged = [json.loads(line) for line in steps.stderr.splitlines() if line.strip()]
        refusals = [w for w in logged if "refused" in w]  # not a failed plugin of another test
        assert [(w["plugin"], w["refused"], w["owner"]) for w in refusals] == [
            ("abt_aaa_early", "implementation", "coding_steps"),
            ("abt_zzz_late", "abt_own", "abt_aaa_early"),
        ]
        workflows = json.loads(venv.autobyteus("workflows", "--json", env=env).stdout)
        coding = next(w for w in workflows if w["name"] == "automated_coding")
        assert coding["missing_steps"] == []
        listed = json.loads(venv.autobyteus("plugins", "--json", env=env).stdout)
        records = {r["name"]: r for r in listed}
        assert records["coding_steps"]["status"] == "loaded"
        assert records["scripted_provider"]["status"] == "loaded"
        assert records["scripted_provider"]["registered"] == {"llm_providers": ["scripted"]}
        assert records["abt_aaa_early"]["refused"] == {
            "llm_providers": ["scripted"],
            "steps": ["implementation"],
        }
        registered = records["abt_aaa_early"]["registered"]
        assert {kind: names for kind, names in registered.items() if names} == {
            "steps": ["abt_own"]
        }
        order = [r["name"] for r in listed]  # the load order, as `autobyteus plugins` lists it
        assert order.index("scripted_provider") < order.index("coding_steps")
        assert order.index("coding_steps") < order.index("abt_aaa_early")
        assert order.index("abt_aaa_early") < order.index("abt_zzz_late")
    finally:
        venv.autobyteus("uninstall", "-y", "autobyteus-coding-steps")
