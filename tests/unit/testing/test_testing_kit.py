"""The pytest plugin of the testing kit, exercised in an inner pytest run."""

from __future__ import annotations

import pytest


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("AUTOBYTEUS_STRICT_PLUGINS", raising=False)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    return pytester


def test_fixtures_isolation_and_strict_default(inner):
    inner.makepyfile(
        """
        import os
        import pytest
        from autobyteus_core import Deferred, hookimpl
        from autobyteus_core.errors import PluginLoadError
        from autobyteus_core.workflow.base_step import BaseStep
        from autobyteus_core.llm.message import Message

        class KitStep(BaseStep):
            name = "kit_step"

        class Plugin:
            @hookimpl
            def register_steps(self, register):
                register(KitStep)

        seen = {}

        def test_strict_by_default():
            assert os.environ["AUTOBYTEUS_STRICT_PLUGINS"] == "1"

        def test_register_plugin_fills_registries_at_once(autobyteus_app, register_plugin):
            record = register_plugin(Plugin(), "kit_plugin", distribution="kit-dist", version="3")
            assert record.registered == {"steps": ["kit_step"]}
            assert autobyteus_app.steps.registration("kit_step").origin.version == "3"
            seen["app"] = autobyteus_app

        def test_previous_plugin_was_removed_at_teardown(autobyteus_app):
            old = seen["app"]
            assert "kit_step" not in old.steps
            assert all(r.name != "kit_plugin" for r in old.plugin_records())
            assert autobyteus_app is not old
            assert "kit_step" not in autobyteus_app.steps

        def test_broken_hook_fails_at_registration(register_plugin):
            class Broken:
                @hookimpl
                def register_steps(self, register):
                    raise RuntimeError("nope")

            with pytest.raises(PluginLoadError, match="nope"):
                register_plugin(Broken(), "broken")

        def test_wrong_import_path_fails_at_registration(register_plugin):
            class WrongPath:
                @hookimpl
                def register_steps(self, register):
                    register(Deferred("kit_lazy", "kit_no_such_module:KitStep"))

            with pytest.raises(PluginLoadError, match="kit_no_such_module"):
                register_plugin(WrongPath(), "wrong_path")

        async def test_scripted_llm_and_workspace(scripted_llm, workspace):
            scripted_llm.queue("first").on("weather", "sunny")
            assert (await scripted_llm.complete([Message.user("the weather?")])).text == "sunny"
            assert (await scripted_llm.complete([Message.user("x")])).text == "first"
            assert [c.prompt for c in scripted_llm.calls] == ["the weather?", "x"]
            assert workspace.is_dir() and not any(workspace.iterdir())
        """
    )
    result = inner.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_strict_mode_can_be_turned_off_from_the_environment(inner, monkeypatch):
    monkeypatch.setenv("AUTOBYTEUS_STRICT_PLUGINS", "0")
    inner.makepyfile(
        """
        import os

        def test_env():
            assert os.environ["AUTOBYTEUS_STRICT_PLUGINS"] == "0"
        """
    )
    inner.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_replies_file_provider_keeps_its_1x_module_path():
    from autobyteus_core.testing import replies_file, scripted_provider

    assert scripted_provider.ScriptedFileProvider is replies_file.ScriptedFileProvider
    assert scripted_provider.FileScriptedLLM is replies_file.FileScriptedLLM
