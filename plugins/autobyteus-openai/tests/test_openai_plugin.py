"""The plugin as autobyteus sees it: discovery, settings sources, defaults and model lists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import autobyteus_openai.plugin as openai_plugin
import pytest
from autobyteus_openai.openai_provider import OpenAIProvider
from autobyteus_openai.settings import OpenAISettings
from autobyteus_openai.testing import OpenAIServer

from autobyteus_core import Application, AutobyteusSettings, Message


def _app_with_plugin() -> Application:
    app = Application(entry_points=False)
    app.add_plugin(openai_plugin, "openai")
    return app


def test_entry_point_is_declared():
    (point,) = [p for p in entry_points(group="autobyteus") if p.name == "openai"]
    assert point.value == "autobyteus_openai.plugin"
    assert point.dist is not None and point.dist.name == "autobyteus-openai"


def test_discovery_registers_the_provider_without_importing_openai():
    code = (
        "import json, sys\n"
        "from autobyteus_core.app import Application\n"
        "app = Application()\n"
        "reg = app.llm.providers.registration('openai')\n"
        "print(json.dumps({'origin': reg.origin.to_dict(), "
        "'openai_imported': 'openai' in sys.modules}))\n"
    )
    env = {"AUTOBYTEUS_LOAD_PLUGINS": "autobyteus-openai", "AUTOBYTEUS_STRICT_PLUGINS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**_base_env(), **env},
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["origin"]["distribution"] == "autobyteus-openai"
    assert report["openai_imported"] is False


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("AUTOBYTEUS_")}


def test_no_default_model_without_key_or_server():
    settings = AutobyteusSettings.load(None)
    assert OpenAIProvider().default_model(settings) is None


def test_key_from_openai_api_key_makes_openai_the_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-standard-variable")
    app = _app_with_plugin()
    settings = AutobyteusSettings.load(None)

    assert app.llm.resolve_model_id(settings) == "openai:gpt-4o-mini"
    own = settings.plugin(OpenAISettings)
    assert own.api_key is not None
    assert own.api_key.get_secret_value() == "sk-from-standard-variable"


def test_autobyteus_variables_beat_the_standard_ones(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-standard")
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__API_KEY", "sk-autobyteus")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__DEFAULT_MODEL", "qwen2.5-coder")

    own = AutobyteusSettings.load(None).plugin(OpenAISettings)

    assert own.api_key is not None and own.api_key.get_secret_value() == "sk-autobyteus"
    assert own.base_url == "http://127.0.0.1:9/v1"
    assert own.default_model == "qwen2.5-coder"
    sources = own.value_sources()
    assert (sources["api_key"], sources["base_url"]) == ("env", "OPENAI_* variables")
    assert OpenAIProvider.settings_class is OpenAISettings


def test_workspace_files(tmp_path: Path):
    (tmp_path / ".env").write_text("OPENAI_BASE_URL=http://127.0.0.1:11434/v1\n")
    (tmp_path / "autobyteus.toml").write_text(
        '[openai]\ndefault_model = "llama3.1"\nrequests_per_minute = 30\n'
        '[openai.prices."llama3.1"]\ninput = 0\noutput = 0\n'
    )
    settings = AutobyteusSettings.load(tmp_path)
    own = settings.plugin(OpenAISettings)

    assert own.base_url == "http://127.0.0.1:11434/v1"
    assert own.requests_per_minute == 30
    assert OpenAIProvider().default_model(settings) == "openai:llama3.1"
    models = {m.id: m for m in OpenAIProvider().list_models(settings)}
    assert models["openai:llama3.1"].is_default
    assert models["openai:llama3.1"].description == "$0 / $0 per 1M tokens"
    assert "openai:gpt-4o" in models


def test_blank_standard_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "")
    settings = AutobyteusSettings.load(None)
    assert settings.plugin(OpenAISettings).api_key is None
    assert OpenAIProvider().default_model(settings) is None


async def test_registry_integration_from_environment(
    server: OpenAIServer, api_key: str, monkeypatch: pytest.MonkeyPatch
):
    server.models = ["llama3.1", "qwen2.5-coder"]
    server.queue("from the registry")
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", api_key)
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__DEFAULT_MODEL", "llama3.1")
    app = _app_with_plugin()
    settings = AutobyteusSettings.load(None)
    provider = app.llm.providers.get("openai")

    model_id = app.llm.resolve_model_id(settings)
    llm = app.llm.get(model_id, settings)
    try:
        response = await llm.complete([Message.user("hi")])
        remote = await provider.list_remote_models(settings)
    finally:
        await app.llm.aclose()

    assert model_id == "openai:llama3.1"
    assert response.text == "from the registry"
    assert [(m.id, m.is_default) for m in remote] == [
        ("openai:llama3.1", True),
        ("openai:qwen2.5-coder", False),
    ]
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/v1/chat/completions"),
        ("GET", "/v1/models"),
    ]
    assert server.requests[0].body["model"] == "llama3.1"


def test_reply_cap_field_depends_on_the_server():
    """api.openai.com wants max_completion_tokens (reasoning models reject max_tokens); the
    compatible servers know max_tokens."""
    from autobyteus_openai.openai_integration import OpenAIIntegration

    hosted = OpenAIIntegration("openai:o4-mini", "o4-mini", OpenAISettings(api_key="sk-x"))
    local = OpenAIIntegration(
        "openai:llama", "llama", OpenAISettings(base_url="http://127.0.0.1:8080/v1")
    )
    prompt = [Message.user("hi")]

    assert (
        hosted._request_body(prompt, {"max_tokens": 9}, stream=False)["max_completion_tokens"] == 9
    )
    assert local._request_body(prompt, {"max_tokens": 9}, stream=False)["max_tokens"] == 9


def test_cli_models_remote_asks_the_server(server: OpenAIServer, api_key: str, tmp_path: Path):
    server.models = ["llama3.1", "qwen2.5-coder"]
    env = {
        **_base_env(),
        "AUTOBYTEUS_LOAD_PLUGINS": "autobyteus-openai",
        "AUTOBYTEUS_OPENAI__BASE_URL": server.url,
        "OPENAI_API_KEY": api_key,
        "AUTOBYTEUS_OPENAI__DEFAULT_MODEL": "qwen2.5-coder",
    }
    command = ["models", "--remote", "--provider", "openai", "--json", "--workspace", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-m", "autobyteus_core.cli", *command],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "qwen2.5-coder" in result.stdout and "llama3.1" in result.stdout
    assert api_key not in result.stdout + result.stderr
    assert [(r.method, r.path) for r in server.requests] == [("GET", "/v1/models")]


@pytest.mark.parametrize(
    ("dotenv", "toml", "source"),
    [
        ("OPENAI_BASE_URL=http://127.0.0.1:9/v1\n", None, "OPENAI_* variables in .env"),
        ("AUTOBYTEUS_OPENAI__BASE_URL=http://127.0.0.1:9/v1\n", None, ".env"),
        (None, '[openai]\nbase_url = "http://127.0.0.1:9/v1"\n', "autobyteus.toml"),
    ],
)
def test_config_show_flags_a_workspace_base_url_with_a_key_from_elsewhere(
    tmp_path: Path, dotenv: str | None, toml: str | None, source: str
):
    if dotenv:
        (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    if toml:
        (tmp_path / "autobyteus.toml").write_text(toml, encoding="utf-8")
    env = {**_base_env(), "AUTOBYTEUS_LOAD_PLUGINS": "autobyteus-openai", "OPENAI_API_KEY": "sk-x1"}

    def show(*extra: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "autobyteus_core.cli", "config", "show", *extra,
             "--workspace", str(tmp_path)],
            capture_output=True, text=True, timeout=120, env=env, check=True,
        )  # fmt: skip
        return result.stdout

    warnings = json.loads(show("--json"))["warnings"]
    assert warnings == [
        f"[openai] base_url comes from a file in the workspace ({source}) while api_key comes "
        "from OPENAI_* variables: that file decides where your api_key is sent"
    ]
    assert f"Warning: {warnings[0]}" in " ".join(show().split())
    env["OPENAI_BASE_URL"] = "http://127.0.0.1:8/v1"  # the user's own server, in the environment
    expected = [] if source == "OPENAI_* variables in .env" else warnings
    assert json.loads(show("--json"))["warnings"] == expected
