"""The built-in registry and config commands, run in-process with click's CliRunner."""

from __future__ import annotations

import json
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from autobyteus_core import hookimpl
from autobyteus_core.app import Application
from autobyteus_core.cli import LAZY_COMMANDS, _load_lazy, cli
from autobyteus_core.cli.help_texts import SHORT_HELP
from autobyteus_core.llm.llm_integration import LLMIntegration
from autobyteus_core.llm.llm_provider import LLMProvider, ModelInfo
from autobyteus_core.settings import AutobyteusSettings, PluginSettings
from autobyteus_core.workflow.base_step import BaseStep
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition


class GreetStep(BaseStep):
    name = "greet"
    description = "Say hello"
    prompt_templates = {"main": "Hello {{ name }}"}


class CliDemoSettings(PluginSettings):
    namespace = "clidemo"

    api_key: SecretStr | None = None
    region: str = "eu"


class DemoProvider(LLMProvider):
    name = "demo"
    settings_class = CliDemoSettings

    def list_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        return [ModelInfo(id="demo:small"), ModelInfo(id="demo:large", description="big one")]

    def create(self, model: str, settings: AutobyteusSettings) -> LLMIntegration:
        raise NotImplementedError

    def default_model(self, settings: AutobyteusSettings) -> str | None:
        return "demo:large"


class OfflineProvider(DemoProvider):
    name = "offline"

    async def list_remote_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        raise ConnectionError("server at http://127.0.0.1:9 refused the connection")


class DemoPlugin:
    @hookimpl
    def register_steps(self, register: Any) -> None:
        register(GreetStep)

    @hookimpl
    def register_llm_providers(self, register: Any) -> None:
        register(DemoProvider())

    @hookimpl
    def register_workflows(self, register: Any) -> None:
        register(
            WorkflowDefinition(
                name="greeting",
                description="greets",
                steps={
                    "hello": StepsTemplateConfig(step="greet"),
                    "outer": StepsTemplateConfig(
                        step="greet", steps={"inner": StepsTemplateConfig(step="farewell")}
                    ),
                },
            )
        )

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.command("hello")
        @click.argument("who")
        def hello(who: str) -> None:
            """Say hello to WHO."""
            click.echo(f"hello {who}")


@pytest.fixture
def app(autobyteus_app: Application, register_plugin: Any) -> Application:
    register_plugin(DemoPlugin(), "demo_plugin", distribution="autobyteus-demo", version="1.2.3")
    return autobyteus_app


def run(app: Application, *args: str, exit_code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), obj={"app": app}, catch_exceptions=False)
    assert result.exit_code == exit_code, result.output
    return result


def run_json(app: Application, *args: str) -> Any:
    return json.loads(run(app, *args, "--json").stdout)


def test_plugins_json_lists_hooks_registrations_and_origin(app):
    records = {r["name"]: r for r in run_json(app, "plugins")}
    demo = records["demo_plugin"]
    assert demo["status"] == "loaded"
    assert demo["distribution"] == "autobyteus-demo"
    assert demo["version"] == "1.2.3"
    assert demo["hooks"] == [
        "register_commands",
        "register_llm_providers",
        "register_steps",
        "register_workflows",
    ]
    assert demo["registered"] == {
        "commands": ["hello"],
        "llm_providers": ["demo"],
        "steps": ["greet"],
        "workflows": ["greeting"],
    }
    assert records["python_workspace"]["default"] is True


def test_plugins_lists_failed_loads_with_their_error(autobyteus_app, monkeypatch):
    monkeypatch.setenv("AUTOBYTEUS_STRICT_PLUGINS", "0")

    class Broken:
        @hookimpl
        def register_steps(self, register: Any) -> None:
            raise RuntimeError("cannot find my templates")

    autobyteus_app.add_plugin(Broken(), "broken_plugin", distribution="broken-dist", version="0.1")
    records = {r["name"]: r for r in run_json(autobyteus_app, "plugins")}
    assert records["broken_plugin"]["status"] == "failed"
    assert records["broken_plugin"]["error"] == "RuntimeError: cannot find my templates"
    table = run(autobyteus_app, "plugins").stdout
    assert "Failed to load:" in table
    assert (
        "plugin 'broken_plugin' (broken-dist 0.1): RuntimeError: cannot find my templates" in table
    )


def test_plugins_table_and_hook_filter(app):
    table = run(app, "plugins").stdout
    assert "demo_plugin" in table
    assert "steps: greet" in table
    only = run_json(app, "plugins", "--hook", "register_commands")
    assert [r["name"] for r in only] == ["demo_plugin"]
    result = run(app, "plugins", "--hook", "register_nothing", exit_code=2)
    assert "unknown hook" in result.output


def test_steps(app):
    (step,) = run_json(app, "steps")
    assert step == {
        "name": "greet",
        "description": "Say hello",
        "class": f"{__name__}:GreetStep",
        "prompt_templates": {"main": "Hello {{ name }}"},
        "plugin": "demo_plugin",
        "distribution": "autobyteus-demo",
        "version": "1.2.3",
    }
    assert "Say hello" in run(app, "steps").stdout


def test_models_marks_the_default_and_names_the_provider(app, workspace):
    models = {m["id"]: m for m in run_json(app, "models", "--workspace", str(workspace))}
    assert set(models) >= {"demo:small", "demo:large", "scripted:<path-to-replies.json>"}
    assert models["demo:large"]["is_default"] is True
    assert models["demo:small"]["is_default"] is False
    assert models["demo:large"]["provider"] == "demo"
    assert models["demo:large"]["distribution"] == "autobyteus-demo"
    only = run_json(app, "models", "--provider", "demo", "--workspace", str(workspace))
    assert {m["id"] for m in only} == {"demo:small", "demo:large"}


def test_models_default_follows_settings(app, workspace, monkeypatch):
    monkeypatch.setenv("AUTOBYTEUS_MODEL", "demo:small")
    models = {m["id"]: m for m in run_json(app, "models", "--workspace", str(workspace))}
    assert models["demo:small"]["is_default"] is True
    assert models["demo:large"]["is_default"] is False


def test_models_remote_reports_unreachable_providers_and_lists_the_rest(
    app, register_plugin, workspace
):
    class OfflinePlugin:
        @hookimpl
        def register_llm_providers(self, register: Any) -> None:
            register(OfflineProvider())

    register_plugin(OfflinePlugin(), "offline_plugin")
    result = run(app, "models", "--remote", "--json", "--workspace", str(workspace), exit_code=1)
    ids = {m["id"] for m in json.loads(result.stdout)}
    assert "demo:large" in ids
    assert "provider 'offline' could not list its models" in result.stderr
    assert "refused the connection" in result.stderr


def test_unknown_provider_is_a_clear_error(app, workspace):
    result = run(app, "models", "--provider", "nope", "--workspace", str(workspace), exit_code=1)
    assert "unknown LLM provider 'nope'" in result.stderr


def test_workflows_show_steps_and_missing_step_names(app):
    (workflow,) = run_json(app, "workflows")
    assert workflow["name"] == "greeting"
    assert workflow["missing_steps"] == ["farewell"]
    assert workflow["steps"]["outer"]["steps"]["inner"]["step"] == "farewell"
    assert workflow["plugin"] == "demo_plugin"
    table = run(app, "workflows").stdout
    assert "hello (greet) → outer (greet) [inner (farewell)]" in table


def test_config_show_sources_and_redacted_plugin_secrets(app, workspace, monkeypatch):
    secret = "sk-config-show-secret-987654321"
    (workspace / "autobyteus.toml").write_text('model = "demo:small"\n[clidemo]\nregion = "us"\n')
    (workspace / ".env").write_text(f"AUTOBYTEUS_CLIDEMO__API_KEY={secret}\n")
    monkeypatch.setenv("AUTOBYTEUS_MAX_CONCURRENCY", "2")
    result = run(app, "config", "show", "--json", "--workspace", str(workspace))
    assert secret not in result.output
    data = json.loads(result.stdout)
    core = data["settings"]["autobyteus"]
    assert core["model"] == {
        "value": "demo:small",
        "source": "autobyteus.toml",
        "env": "AUTOBYTEUS_MODEL",
    }
    assert core["max_concurrency"]["source"] == "env"
    assert core["workflow"]["source"] == "default"
    demo = data["settings"]["clidemo"]
    assert demo["api_key"] == {
        "value": "**********",
        "source": ".env",
        "env": "AUTOBYTEUS_CLIDEMO__API_KEY",
    }
    assert demo["region"]["value"] == "us"
    table = run(app, "config", "show", "--workspace", str(workspace)).stdout
    assert secret not in table
    assert "[clidemo]" in table
    assert "AUTOBYTEUS_CLIDEMO__API_KEY" in table


def test_config_show_reports_invalid_plugin_settings_without_failing(app, workspace):
    (workspace / "autobyteus.toml").write_text("[clidemo]\nregion = 5\n")
    data = json.loads(run(app, "config", "show", "--json", "--workspace", str(workspace)).stdout)
    assert "region (from autobyteus.toml)" in data["settings"]["clidemo"]["error"]
    assert data["settings"]["autobyteus"]["model"]["source"] == "default"


def test_plugin_command_runs_and_is_listed_in_help(app):
    assert run(app, "hello", "world").stdout == "hello world\n"
    help_text = run(app, "--help").stdout
    assert "hello" in help_text
    assert "Say hello to WHO." in help_text


def test_a_plugin_command_named_like_a_builtin_is_refused_and_its_others_kept(
    autobyteus_app, monkeypatch
):
    monkeypatch.setenv("AUTOBYTEUS_STRICT_PLUGINS", "0")
    monkeypatch.setenv("AUTOBYTEUS_LOG_FORMAT", "json")

    class Clashing:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command("steps")
            def steps() -> None:
                """Hijack."""

            @cli.command("extra")
            def extra() -> None:
                """Extra."""

    record = autobyteus_app.add_plugin(
        Clashing(), "clashing", distribution="clash-dist", version="1"
    )
    result = run(autobyteus_app, "--help")
    assert "extra" in result.stdout  # only the taken name is refused
    assert not record.failed
    assert record.refused == {"commands": ["steps"]}
    assert record.registered["commands"] == ["extra"]
    (warning,) = [json.loads(line) for line in result.stderr.splitlines()]
    assert warning["event"] == (
        "autobyteus plugin 'clashing' (clash-dist 1) registered command 'steps', which the "
        "core (built-in) already registered: the core (built-in) keeps it, and clashing's "
        "other registrations stay"
    )
    assert json.loads(run(autobyteus_app, "steps", "--json").stdout) == []


def test_two_plugins_adding_the_same_command_name_the_first(autobyteus_app, monkeypatch):
    monkeypatch.setenv("AUTOBYTEUS_STRICT_PLUGINS", "0")

    def plugin(text: str) -> object:
        class Plugin:
            @hookimpl
            def register_commands(self, cli: click.Group) -> None:
                @cli.command("same")
                def same() -> None:
                    click.echo(text)

        return Plugin()

    autobyteus_app.add_plugin(plugin("first"), "first", distribution="first-dist", version="1")
    second = autobyteus_app.add_plugin(plugin("second"), "second")
    assert run(autobyteus_app, "same").stdout == "first\n"
    assert second.refused == {"commands": ["same"]}
    assert not second.failed


def test_strict_plugin_failure_in_a_command_is_a_one_line_error(autobyteus_app):
    class Broken:
        @hookimpl
        def register_steps(self, register: Any) -> None:
            raise RuntimeError("kaput")

    autobyteus_app.add_plugin(Broken(), "broken_strict")  # steps are not filled yet
    result = run(autobyteus_app, "steps", exit_code=1)
    assert result.stderr.startswith(
        "Error: autobyteus plugin 'broken_strict' raised in register_steps"
    )
    assert "RuntimeError: kaput" in result.stderr
    assert "Traceback" not in result.output


def test_autobyteus_errors_are_one_line_messages(app, workspace):
    (workspace / "autobyteus.toml").write_text("model = [\n")
    result = run(app, "models", "--workspace", str(workspace), exit_code=1)
    assert result.stderr.startswith("Error: cannot read settings from")
    assert "Traceback" not in result.output


def test_version():
    from autobyteus_core import __version__

    result = CliRunner().invoke(cli, ["--version"])
    assert result.stdout == f"autobyteus, version {__version__}\n"


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_short_help_table_matches_each_commands_own_help(name):
    command = _load_lazy(name)
    first_line = (command.help or "").strip().splitlines()[0]
    assert SHORT_HELP[name] == first_line


def test_config_show_says_which_sandbox_generated_code_would_get(app, workspace, monkeypatch):
    from autobyteus_core.sandbox import bwrap

    works = bwrap.probe().works
    table = run(app, "config", "show", "--workspace", str(workspace)).stdout
    expected = "Sandbox: bwrap (" if works else "Sandbox: none (sandbox = auto, but bubblewrap"
    assert expected in table
    monkeypatch.setenv("AUTOBYTEUS_SANDBOX", "off")
    monkeypatch.setenv("AUTOBYTEUS_SANDBOX_NETWORK", "true")
    data = json.loads(run(app, "config", "show", "--json", "--workspace", str(workspace)).stdout)
    assert data["sandbox"]["sandbox"] == "none"
    assert data["sandbox"]["reason"] == "sandbox = off in the settings"
    assert data["sandbox"]["network"] is True
    assert data["settings"]["autobyteus"]["sandbox"]["source"] == "env"
