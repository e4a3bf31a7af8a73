"""Registration by import path (``Deferred``): names now, imports on first use, failures
pinned on the plugin, through real entry points."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from autobyteus_core import Deferred
from autobyteus_core.app import Application
from autobyteus_core.cli import cli
from autobyteus_core.deferred import DeferredPathError
from autobyteus_core.errors import PluginLoadError
from autobyteus_core.plugins import ENV_LOAD, ENV_STRICT
from autobyteus_core.registry import (
    DeferredLoadError,
    DuplicateRegistrationError,
    PluginOrigin,
    Registry,
)

#: A plugin module that registers by import path and imports nothing of what it registers.
LAZY_PLUGIN = """
from autobyteus_core import Deferred, hookimpl

AUTOBYTEUS_PLUGIN_API = ">=1.1,<2"

@hookimpl
def register_steps(register):
    register(Deferred("lazy_step", "dz_items:LazyStep"))
    register(Deferred("other_step", "dz_items:OtherStep"))

@hookimpl
def register_llm_providers(register):
    register(Deferred("lazyllm", "dz_items:LazyProvider"))

@hookimpl
def register_workspace_settings(register):
    register(Deferred("lazyws", "dz_items:make_workspace_type"))
"""

#: The module the paths lead to; it counts how often it is imported.
LAZY_ITEMS = """
import builtins
builtins.DZ_IMPORTS = getattr(builtins, "DZ_IMPORTS", 0) + 1

from autobyteus_core.llm.llm_provider import LLMProvider, ModelInfo
from autobyteus_core.workflow.base_step import BaseStep
from autobyteus_core.workspace.workspace_type import WorkspaceType

class LazyStep(BaseStep):
    name = "lazy_step"
    description = "a step imported on first use"

class OtherStep(BaseStep):
    name = "other_step"
    description = "another one"

class LazyProvider(LLMProvider):
    name = "lazyllm"
    def list_models(self, settings):
        return [ModelInfo(id="lazyllm:one")]
    def create(self, model, settings):
        raise NotImplementedError

def make_workspace_type():
    return WorkspaceType(name="lazyws", detect_files=("lazy.toml",))
"""


def installed_app(  # type: ignore[no-untyped-def]
    make_dist, monkeypatch, distribution: str, step_path: str = "dz_items:LazyStep"
) -> Application:
    """An application that sees only the entry-point plugin ``dz`` of ``distribution`` (and the
    default plugins), whose ``lazy_step`` is registered with ``step_path``."""
    import builtins

    monkeypatch.setattr(builtins, "DZ_IMPORTS", 0, raising=False)
    plugin = LAZY_PLUGIN.replace('"dz_items:LazyStep"', repr(step_path))
    make_dist(
        distribution,
        entry_points={"dz": "dz_plugin"},
        modules={"dz_plugin": plugin, "dz_items": LAZY_ITEMS},
    )
    monkeypatch.setenv(ENV_LOAD, distribution)
    return Application()


@pytest.fixture
def lazy_app(make_dist, monkeypatch: pytest.MonkeyPatch) -> Application:
    """The ``dz`` plugin with every path right."""
    return installed_app(make_dist, monkeypatch, "dz-lazy")


def imports_of_items() -> int:
    import builtins

    return int(builtins.DZ_IMPORTS)  # type: ignore[attr-defined]


def dz_record(app: Application):  # type: ignore[no-untyped-def]
    return app.host.records["dz"]


# -- the Deferred value --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["dz_items.LazyStep", "dz_items:", ":LazyStep", "dz items:LazyStep", "dz_items:Lazy-Step", 3],
)
def test_a_path_not_of_the_form_module_colon_attribute_is_refused_at_once(path: object) -> None:
    with pytest.raises(DeferredPathError, match=r"package\.module:attribute"):
        Deferred("lazy_step", path)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", None])
def test_a_deferred_needs_a_name(name: object) -> None:
    with pytest.raises(DeferredPathError, match="non-empty string name"):
        Deferred(name, "dz_items:LazyStep")  # type: ignore[arg-type]


def test_dotted_attributes_are_followed() -> None:
    deferred = Deferred("join", "os.path:join.__name__")
    assert deferred.module == "os.path"
    assert deferred.load() == "join"


# -- names now, imports on first use -------------------------------------------------------------


def test_names_are_listed_and_recorded_without_importing_the_items(lazy_app: Application) -> None:
    records = lazy_app.plugin_records()
    assert "dz_items" not in sys.modules
    assert imports_of_items() == 0
    assert "lazy_step" in lazy_app.steps and len(lazy_app.steps) >= 2
    assert lazy_app.llm.providers.origin("lazyllm").distribution == "dz-lazy"
    record = next(r for r in records if r.name == "dz")
    assert record.registered == {
        "steps": ["lazy_step", "other_step"],
        "llm_providers": ["lazyllm"],
        "workspace_settings": ["lazyws"],
    }
    assert "dz_items" not in sys.modules


def test_first_lookup_imports_once_and_keeps_the_item(lazy_app: Application) -> None:
    from autobyteus_core.settings import AutobyteusSettings

    step = lazy_app.steps.get("lazy_step")
    assert step.__name__ == "LazyStep" and step.__module__ == "dz_items"
    assert lazy_app.steps.get("lazy_step") is step
    assert lazy_app.steps.registration("other_step").origin.plugin == "dz"
    provider = lazy_app.llm.providers.get("lazyllm")
    assert type(provider).__name__ == "LazyProvider"  # the class was instantiated
    assert lazy_app.llm.providers.get("lazyllm") is provider
    assert [m.id for m in provider.list_models(AutobyteusSettings.load(None))] == ["lazyllm:one"]
    workspace_type = lazy_app.workspace_types.get("lazyws")
    assert workspace_type.detect_files == ("lazy.toml",)  # the factory was called
    assert imports_of_items() == 1


def test_a_deferred_name_is_a_duplicate_like_any_other(lazy_app: Application) -> None:
    with pytest.raises(DuplicateRegistrationError, match="plugin 'dz'"):
        lazy_app.steps.add_deferred(Deferred("lazy_step", "dz_items:OtherStep"))
    assert "dz_items" not in sys.modules


# -- failures pinned on the plugin ---------------------------------------------------------------


def broken_app(make_dist, monkeypatch, step_path: str) -> Application:  # type: ignore[no-untyped-def]
    return installed_app(make_dist, monkeypatch, "dz-broken", step_path)


@pytest.mark.parametrize(
    ("path", "cause"),
    [
        ("dz_missing_module:LazyStep", "ModuleNotFoundError"),
        ("dz_items:NoSuchStep", "AttributeError"),
        ("dz_items:make_workspace_type", "register_steps expects BaseStep subclasses"),
        ("dz_items:OtherStep", "registered as 'lazy_step' but the object's name is 'other_step'"),
    ],
)
def test_an_item_that_cannot_be_loaded_fails_its_plugin_at_first_use(
    make_dist, monkeypatch, capsys, path: str, cause: str
) -> None:
    monkeypatch.setenv(ENV_STRICT, "0")
    app = broken_app(make_dist, monkeypatch, path)
    assert "lazy_step" in app.steps  # nothing is imported until it is used
    with pytest.raises(DeferredLoadError) as caught:
        app.steps.get("lazy_step")
    message = str(caught.value)
    assert "step 'lazy_step' of plugin 'dz' (dz-broken 1.0)" in message
    assert f"'{path}'" in message and cause in message
    record = dz_record(app)
    assert record.failed and record.error == message
    assert "other_step" not in app.steps and "lazyllm" not in app.llm.providers
    assert app.steps.names() == []
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "could not load what it registered and was skipped" in err[0]


def test_in_strict_mode_the_failure_is_raised_naming_the_plugin(make_dist, monkeypatch) -> None:
    app = broken_app(make_dist, monkeypatch, "dz_items:NoSuchStep")
    with pytest.raises(PluginLoadError) as caught:
        app.steps.get("lazy_step")
    assert "plugin 'dz' (dz-broken 1.0)" in str(caught.value)
    assert "NoSuchStep" in str(caught.value)
    assert dz_record(app).failed


def test_listing_every_item_skips_a_failed_plugin_and_keeps_the_others(
    make_dist, monkeypatch
) -> None:
    monkeypatch.setenv(ENV_STRICT, "0")
    app = broken_app(make_dist, monkeypatch, "dz_items:NoSuchStep")
    app.load_everything()
    assert app.steps.registrations() == []
    assert "scripted" in [r.name for r in app.llm.providers.registrations()]
    assert dz_record(app).failed


def test_a_registry_without_a_plugin_host_raises_when_listing() -> None:
    registry: Registry[object] = Registry("thing")
    registry.add_deferred(Deferred("gone", "dz_missing_module:Thing"), PluginOrigin("p"))
    with pytest.raises(DeferredLoadError, match="thing 'gone' of plugin 'p'"):
        registry.registrations()
    assert "gone" in registry  # nobody failed the plugin, so the name stays


# -- autobyteus plugins --check ------------------------------------------------------------------


def test_plugins_check_imports_everything_and_exits_1_when_a_plugin_fails(
    make_dist, monkeypatch
) -> None:
    monkeypatch.setenv(ENV_STRICT, "0")
    app = broken_app(make_dist, monkeypatch, "dz_items:NoSuchStep")
    listed = CliRunner().invoke(cli, ["plugins"], obj={"app": app})
    assert listed.exit_code == 0 and "lazy_step" in listed.output
    assert "dz_items" not in sys.modules
    fresh = Application()  # a new CLI run over the same installed plugins
    checked = CliRunner().invoke(cli, ["plugins", "--check"], obj={"app": fresh})
    assert checked.exit_code == 1
    assert "Failed to load:" in checked.output and "NoSuchStep" in checked.output


def test_plugins_check_passes_when_every_path_loads(lazy_app: Application) -> None:
    result = CliRunner().invoke(cli, ["plugins", "--check", "--json"], obj={"app": lazy_app})
    assert result.exit_code == 0, result.output
    assert imports_of_items() == 1
    assert lazy_app.steps.registration("lazy_step").item.__module__ == "dz_items"
