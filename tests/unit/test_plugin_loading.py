"""Plugin discovery, fault isolation and the environment switches, through real entry points."""

from __future__ import annotations

import json
import types

import pytest

from autobyteus_core import PLUGIN_API_VERSION, hookimpl
from autobyteus_core.app import Application
from autobyteus_core.errors import PluginLoadError
from autobyteus_core.plugins import ENV_DISABLE, ENV_LOAD, ENV_STRICT
from autobyteus_core.workflow.errors import UnknownStepError
from autobyteus_core.workflow.workflow import Workflow
from tests import REPO

STEP_PLUGIN = """
from autobyteus_core import hookimpl
from autobyteus_core.workflow.base_step import BaseStep

class {cls}(BaseStep):
    name = "{step}"
    description = "a test step"

@hookimpl
def register_steps(register):
    register({cls})
"""

BROKEN_IMPORT = """
import module_that_does_not_exist_anywhere
"""


def step_plugin(step: str, cls: str = "Step") -> str:
    return STEP_PLUGIN.format(step=step, cls=cls)


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plugin failures are skipped with a warning instead of raised."""
    monkeypatch.setenv(ENV_STRICT, "0")


def loaded_app(**kwargs: object) -> Application:
    app = Application(**kwargs)  # type: ignore[arg-type]
    app.fill_all()
    return app


def record(app: Application, name: str):  # type: ignore[no-untyped-def]
    return next(r for r in app.host.records.values() if r.name == name)


# -- discovery -----------------------------------------------------------------------------------


def test_entry_point_plugin_is_loaded_with_its_distribution_and_version(make_dist, monkeypatch):
    make_dist(
        "ab-good",
        "2.3.1",
        entry_points={"good": "ab_good_mod"},
        modules={"ab_good_mod": step_plugin("good_step")},
    )
    monkeypatch.setenv(ENV_LOAD, "ab-good")
    app = Application()
    registration = app.steps.registration("good_step")
    assert registration.origin.plugin == "good"
    assert registration.origin.distribution == "ab-good"
    assert registration.origin.version == "2.3.1"
    rec = record(app, "good")
    assert rec.status == "loaded"
    assert rec.hooks == ["register_steps"]
    assert rec.registered == {"steps": ["good_step"]}


def test_loading_is_lazy_and_register_hooks_run_once(make_dist, monkeypatch, site_dir):
    calls = site_dir / "calls.txt"
    make_dist(
        "ab-counted",
        entry_points={"counted": "ab_counted_mod"},
        modules={
            "ab_counted_mod": f"""
            from autobyteus_core import hookimpl
            open({str(calls)!r}, "a").write("imported\\n")

            @hookimpl
            def register_workflows(register):
                open({str(calls)!r}, "a").write("called\\n")
            """
        },
    )
    monkeypatch.setenv(ENV_LOAD, "counted")
    app = Application()
    assert not calls.exists()  # creating the application imports no plugin
    for _ in range(3):
        app.workflows.names()
        app.fill_all()
    assert calls.read_text().split() == ["imported", "called"]


def test_default_plugins_load_first_and_are_marked_default():
    app = loaded_app(entry_points=False)
    names = [r.name for r in app.plugin_records()]
    assert names == ["python_workspace", "scripted_provider", "event_log", "local_executor"]
    assert all(r.default and r.distribution == "autobyteus-core" for r in app.plugin_records())
    assert "python" in app.workspace_types
    assert "scripted" in app.llm.providers


# -- fault isolation -----------------------------------------------------------------------------


def test_plugin_that_fails_to_import_is_skipped_with_one_warning_line(
    make_dist, monkeypatch, lenient, capsys
):
    make_dist(
        "ab-broken",
        "0.9",
        entry_points={"broken": "ab_broken_mod"},
        modules={"ab_broken_mod": BROKEN_IMPORT},
    )
    make_dist(
        "ab-fine",
        entry_points={"fine": "ab_fine_mod"},
        modules={"ab_fine_mod": step_plugin("fine_step")},
    )
    monkeypatch.setenv(ENV_LOAD, "ab-broken,ab-fine")
    monkeypatch.setenv("AUTOBYTEUS_LOG_FORMAT", "json")
    from autobyteus_core.logging import reset_logging

    reset_logging()
    app = loaded_app()
    assert app.steps.names() == ["fine_step"]
    broken = record(app, "broken")
    assert broken.status == "failed"
    assert broken.error is not None
    assert "ModuleNotFoundError" in broken.error
    assert "module_that_does_not_exist_anywhere" in broken.error
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1
    logged = json.loads(lines[0])
    assert logged["level"] == "warning"
    assert logged["plugin"] == "broken"
    assert "ab-broken 0.9" in logged["event"]
    assert "ModuleNotFoundError" in logged["event"]


def test_strict_mode_raises_naming_the_plugin(make_dist, monkeypatch):
    make_dist(
        "ab-broken2",
        entry_points={"broken2": "ab_broken2_mod"},
        modules={"ab_broken2_mod": BROKEN_IMPORT},
    )
    monkeypatch.setenv(ENV_LOAD, "broken2")
    with pytest.raises(
        PluginLoadError, match=r"plugin 'broken2' \(ab-broken2 1.0\) failed to load"
    ):
        Application().load_plugins()


def test_misspelled_hook_implementation_is_caught_with_a_suggestion(autobyteus_app, lenient):
    plugin = types.ModuleType("misspelled")

    @hookimpl
    def register_step(register):  # type: ignore[no-untyped-def]
        raise AssertionError("never called")

    plugin.register_step = register_step  # type: ignore[attr-defined]
    rec = autobyteus_app.add_plugin(plugin)
    assert rec.failed
    assert "unknown hook 'register_step'" in (rec.error or "")
    assert "did you mean 'register_steps'" in (rec.error or "")
    assert not autobyteus_app.host.pm.has_plugin("misspelled")


def test_hook_implementation_with_wrong_arguments_fails_spec_validation(autobyteus_app, lenient):
    class Plugin:
        @hookimpl
        def register_steps(self, registr):  # type: ignore[no-untyped-def]
            pass

    rec = autobyteus_app.add_plugin(Plugin(), "wrong_args")
    assert rec.failed
    assert "registr" in (rec.error or "")


def test_hook_function_without_hookimpl_marker_is_reported(autobyteus_app, lenient):
    plugin = types.ModuleType("unmarked")
    plugin.register_steps = lambda register: None  # type: ignore[attr-defined]
    rec = autobyteus_app.add_plugin(plugin)
    assert rec.failed
    assert "register_steps is not decorated with @hookimpl" in (rec.error or "")


def test_exception_inside_register_hook_drops_everything_that_plugin_registered(
    autobyteus_app, lenient, capsys
):
    from autobyteus_core.workflow.base_step import BaseStep

    class HalfStep(BaseStep):
        name = "half"

    class Plugin:
        @hookimpl
        def register_steps(self, register):  # type: ignore[no-untyped-def]
            register(HalfStep)

        @hookimpl
        def register_workflows(self, register):  # type: ignore[no-untyped-def]
            raise RuntimeError("workflow table is corrupt")

    rec = autobyteus_app.add_plugin(Plugin(), "half_plugin", distribution="ab-half", version="0.3")
    autobyteus_app.fill_all()
    assert rec.status == "failed"
    assert rec.error == "RuntimeError: workflow table is corrupt"
    assert "half" not in autobyteus_app.steps
    # a run that needs the dropped step says where it would have come from, and why it did not
    workflow = Workflow.from_steps(["half"], app=autobyteus_app, workspace=".", model="scripted:x")
    with pytest.raises(UnknownStepError) as caught:
        workflow.initialize_steps()
    assert str(caught.value) == (
        "step 'half': step 'half' would come from plugin 'half_plugin' (ab-half 0.3), which "
        "failed to load: RuntimeError: workflow table is corrupt"
    )
    assert rec.registered == {}
    assert "python" in autobyteus_app.workspace_types  # the other plugins are untouched
    assert "raised in register_workflows" in capsys.readouterr().err


def test_registering_a_wrong_type_fails_the_plugin(autobyteus_app, lenient):
    class Plugin:
        @hookimpl
        def register_workspace_settings(self, register):  # type: ignore[no-untyped-def]
            register("python-ish")

    autobyteus_app.workspace_types.names()
    rec = autobyteus_app.add_plugin(Plugin(), "wrong_type")
    assert rec.failed
    assert "expects WorkspaceType instances" in (rec.error or "")


def test_failing_observer_is_logged_and_others_still_receive_events(autobyteus_app, capsys):
    from autobyteus_core.workflow.events import EventType, WorkflowEvent

    seen: list[str] = []

    class Failing:
        @hookimpl
        def workflow_event(self, event):  # type: ignore[no-untyped-def]
            raise ValueError("observer bug")

    class Recording:
        @hookimpl
        def workflow_event(self, event):  # type: ignore[no-untyped-def]
            seen.append(event.run_id)

    autobyteus_app.add_plugin(Failing(), "failing")
    autobyteus_app.add_plugin(Recording(), "recording")
    autobyteus_app.emit(WorkflowEvent(type=EventType.MESSAGE, run_id="r1"))
    autobyteus_app.emit(WorkflowEvent(type=EventType.MESSAGE, run_id="r2"))
    assert seen == ["r1", "r2"]
    assert capsys.readouterr().err.count("observer bug") == 2
    assert not record(autobyteus_app, "failing").failed  # observers are never unregistered


def test_a_lone_observer_is_called_once_per_event_and_its_failure_named(autobyteus_app, capsys):
    """With one ``workflow_event`` implementation the hook is called directly: still once per
    event, and a failure is still logged under that plugin's name."""
    from autobyteus_core.workflow.events import EventType, WorkflowEvent

    seen: list[str] = []

    class Lone:
        @hookimpl
        def workflow_event(self, event):  # type: ignore[no-untyped-def]
            seen.append(event.run_id)
            if event.run_id == "bad":
                raise ValueError("lone observer bug")

    autobyteus_app.load_plugins()
    autobyteus_app.remove_plugin("event_log")
    autobyteus_app.add_plugin(Lone(), "lone")
    for run_id in ("r1", "bad", "r2"):
        autobyteus_app.emit(WorkflowEvent(type=EventType.MESSAGE, run_id=run_id))
    assert seen == ["r1", "bad", "r2"]
    err = capsys.readouterr().err
    assert "lone observer bug" in err and "lone" in err.replace("lone observer bug", "")
    assert not record(autobyteus_app, "lone").failed


# -- environment switches ------------------------------------------------------------------------


@pytest.fixture
def three_dists(make_dist):  # type: ignore[no-untyped-def]
    for short in ("red", "green", "blue"):
        make_dist(
            f"ab-{short}-dist",
            entry_points={f"{short}_plugin": f"ab_{short}_mod"},
            modules={f"ab_{short}_mod": step_plugin(f"{short}_step")},
        )


def test_load_plugins_by_distribution_or_plugin_name(three_dists, monkeypatch):
    monkeypatch.setenv(ENV_LOAD, "ab-red-dist, GREEN_plugin")
    app = loaded_app()
    assert set(app.steps.names()) == {"red_step", "green_step"}
    assert record(app, "blue_plugin").status == "disabled"
    assert "AUTOBYTEUS_LOAD_PLUGINS" in (record(app, "blue_plugin").disabled or "")
    assert "python" in app.workspace_types  # default plugins still load


def test_empty_load_plugins_loads_no_external_plugin(three_dists, monkeypatch):
    monkeypatch.setenv(ENV_LOAD, "")
    app = loaded_app()
    assert app.steps.names() == []
    assert {r.name for r in app.plugin_records() if r.status == "loaded"} == {
        "python_workspace",
        "scripted_provider",
        "event_log",
        "local_executor",
    }


def test_the_docs_say_what_an_empty_load_list_loads_and_how_to_block_a_default():

    repo = REPO
    contributing = " ".join((repo / "CONTRIBUTING.md").read_text(encoding="utf-8").split())
    docs_page = " ".join((repo / "docs" / "using-plugins.md").read_text(encoding="utf-8").split())
    assert "empty loads no installed plugin) and leaves the core's default plugins on" in (
        contributing
    )
    assert "or all of them with `autobyteus-core`" in contributing
    assert '"" for none), the core\'s defaults too' in docs_page
    assert "empty loads none" not in contributing


def test_load_plugins_warns_about_names_that_are_not_installed(three_dists, monkeypatch, capsys):
    monkeypatch.setenv(ENV_LOAD, "ab-red-dist,not-there")
    loaded_app()
    err = capsys.readouterr().err
    assert "not installed: not-there" in err


def test_disable_plugins_by_plugin_or_distribution_name(three_dists, monkeypatch):
    monkeypatch.setenv(ENV_LOAD, "ab-red-dist,ab-green-dist,ab-blue-dist")
    monkeypatch.setenv(ENV_DISABLE, "red_plugin,ab-blue-dist")
    app = loaded_app()
    assert app.steps.names() == ["green_step"]
    assert record(app, "red_plugin").status == "disabled"
    assert record(app, "blue_plugin").to_dict()["status"] == "disabled"


def test_disable_default_plugins_by_name_or_all_with_the_core_distribution(monkeypatch):
    monkeypatch.setenv(ENV_DISABLE, "scripted_provider")
    app = loaded_app(entry_points=False)
    assert "scripted" not in app.llm.providers
    assert "python" in app.workspace_types
    monkeypatch.setenv(ENV_DISABLE, "autobyteus-core")
    app = loaded_app(entry_points=False)
    assert app.workspace_types.names() == []
    assert {r.status for r in app.plugin_records()} == {"disabled"}


# -- plugin API range ----------------------------------------------------------------------------


def api_plugin(declared: str) -> types.ModuleType:
    plugin = types.ModuleType(f"api_{abs(hash(declared))}")
    plugin.AUTOBYTEUS_PLUGIN_API = declared  # type: ignore[attr-defined]

    @hookimpl
    def register_workflows(register):  # type: ignore[no-untyped-def]
        pass

    plugin.register_workflows = register_workflows  # type: ignore[attr-defined]
    return plugin


def test_plugin_declaring_a_supported_api_range_loads(autobyteus_app):
    rec = autobyteus_app.add_plugin(api_plugin(">=1,<2"))
    assert rec.status == "loaded"


def test_plugin_outside_the_api_range_is_refused_naming_both_versions(autobyteus_app, lenient):
    rec = autobyteus_app.add_plugin(
        api_plugin(">=2,<3"), distribution="future-plugin", version="5.0"
    )
    assert rec.failed
    assert "plugin API >=2,<3" in (rec.error or "")
    assert f"plugin API {PLUGIN_API_VERSION}" in (rec.error or "")
    assert not autobyteus_app.host.pm.has_plugin(rec.name)


def test_plugin_with_an_invalid_api_range_is_refused(autobyteus_app, lenient):
    rec = autobyteus_app.add_plugin(api_plugin("version one"))
    assert rec.failed
    assert "invalid AUTOBYTEUS_PLUGIN_API 'version one'" in (rec.error or "")


def test_api_range_is_checked_for_entry_point_plugins_in_strict_mode(make_dist, monkeypatch):
    make_dist(
        "ab-future",
        "9.0",
        entry_points={"future": "ab_future_mod"},
        modules={"ab_future_mod": 'AUTOBYTEUS_PLUGIN_API = ">=7"\n'},
    )
    monkeypatch.setenv(ENV_LOAD, "future")
    with pytest.raises(PluginLoadError, match=r"supports plugin API >=7"):
        Application().load_plugins()


# -- add / remove --------------------------------------------------------------------------------


def test_added_plugin_fills_registries_already_in_use_and_removal_undoes_it(autobyteus_app):
    from autobyteus_core.workflow.base_step import BaseStep

    class Late(BaseStep):
        name = "late"

    class Plugin:
        @hookimpl
        def register_steps(self, register):  # type: ignore[no-untyped-def]
            register(Late)

    assert "late" not in autobyteus_app.steps
    autobyteus_app.add_plugin(Plugin(), "late_plugin", distribution="late-dist", version="0.1")
    assert autobyteus_app.steps.registration("late").origin.distribution == "late-dist"
    autobyteus_app.remove_plugin("late_plugin")
    assert "late" not in autobyteus_app.steps
    assert all(r.name != "late_plugin" for r in autobyteus_app.plugin_records())


def test_adding_two_plugins_with_the_same_name_is_an_error(autobyteus_app):
    autobyteus_app.add_plugin(api_plugin(">=1"), "same")
    with pytest.raises(ValueError, match="already registered"):
        autobyteus_app.add_plugin(api_plugin(">=1.0"), "same")
