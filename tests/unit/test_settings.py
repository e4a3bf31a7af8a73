"""Settings sources, their precedence, plugin namespaces and where each value came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from autobyteus_core.errors import ConfigurationError
from autobyteus_core.settings import AutobyteusSettings, PluginSettings, known_plugin_settings


class DemoSettings(PluginSettings):
    """A plugin's settings, as a plugin author writes them."""

    namespace = "demo"

    api_key: SecretStr | None = None
    endpoint: str = "http://default"
    retries: int = 1


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AUTOBYTEUS_* variable of the machine running the tests leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith("AUTOBYTEUS_") and name != "AUTOBYTEUS_STRICT_PLUGINS":
            monkeypatch.delenv(name)


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_defaults_without_any_source(workspace):
    settings = AutobyteusSettings.load(workspace)
    assert settings.model is None
    assert settings.max_concurrency == 4
    assert set(settings.value_sources().values()) == {"default"}


def test_precedence_init_env_dotenv_toml_default(workspace, monkeypatch):
    write(
        workspace / "autobyteus.toml",
        'model = "toml:m"\nworkflow = "toml-wf"\nlog_level = "ERROR"\nmax_concurrency = 2\n',
    )
    write(workspace / ".env", "AUTOBYTEUS_WORKFLOW=dotenv-wf\nAUTOBYTEUS_LOG_LEVEL=WARNING\n")
    monkeypatch.setenv("AUTOBYTEUS_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("AUTOBYTEUS_MAX_CONCURRENCY", "7")
    settings = AutobyteusSettings.load(workspace, max_concurrency=9)
    assert settings.max_concurrency == 9  # init beats env and toml
    assert settings.log_level == "DEBUG"  # env beats .env and toml
    assert settings.workflow == "dotenv-wf"  # .env beats toml
    assert settings.model == "toml:m"  # toml beats default
    assert settings.budget_usd is None
    sources = settings.value_sources()
    assert sources["max_concurrency"] == "init"
    assert sources["log_level"] == "env"
    assert sources["workflow"] == ".env"
    assert sources["model"] == "autobyteus.toml"
    assert sources["budget_usd"] == "default"


def test_pyproject_tool_table_is_read_when_there_is_no_autobyteus_toml(workspace):
    write(
        workspace / "pyproject.toml",
        '[project]\nname = "x"\n[tool.autobyteus]\nmodel = "py:m"\n'
        '[tool.autobyteus.demo]\nendpoint = "http://pyproject"\n',
    )
    settings = AutobyteusSettings.load(workspace)
    assert settings.model == "py:m"
    assert settings.value_sources()["model"] == "pyproject.toml [tool.autobyteus]"
    demo = settings.plugin(DemoSettings)
    assert demo.endpoint == "http://pyproject"
    assert demo.value_sources()["endpoint"] == "pyproject.toml [tool.autobyteus]"


def test_autobyteus_toml_wins_over_pyproject(workspace):
    write(workspace / "pyproject.toml", '[tool.autobyteus]\nmodel = "py:m"\n')
    write(workspace / "autobyteus.toml", 'model = "own:m"\n')
    assert AutobyteusSettings.load(workspace).model == "own:m"


def test_nested_prompt_overrides_from_toml_and_env(workspace, monkeypatch):
    write(workspace / "autobyteus.toml", '[prompts.requirement]\nmain = "req.j2"\n')
    assert AutobyteusSettings.load(workspace).prompts == {"requirement": {"main": "req.j2"}}
    monkeypatch.setenv("AUTOBYTEUS_PROMPTS__design__main", "design.j2")
    prompts = AutobyteusSettings.load(workspace).prompts
    assert prompts["design"] == {"main": "design.j2"}


def test_plugin_settings_namespace_from_env_dotenv_and_toml(workspace, monkeypatch):
    write(workspace / "autobyteus.toml", '[demo]\nendpoint = "http://toml"\nretries = 3\n')
    write(workspace / ".env", "AUTOBYTEUS_DEMO__API_KEY=sk-dotenv-secret-value-1234\n")
    monkeypatch.setenv("AUTOBYTEUS_DEMO__RETRIES", "5")
    demo = AutobyteusSettings.load(workspace).plugin(DemoSettings)
    assert demo.endpoint == "http://toml"
    assert demo.retries == 5
    assert demo.api_key is not None
    assert demo.api_key.get_secret_value() == "sk-dotenv-secret-value-1234"
    assert "sk-dotenv" not in repr(demo)
    assert demo.value_sources() == {
        "api_key": ".env",
        "endpoint": "autobyteus.toml",
        "retries": "env",
    }
    assert DemoSettings.env_name("api_key") == "AUTOBYTEUS_DEMO__API_KEY"


def test_plugin_tables_do_not_leak_into_core_settings_or_other_plugins(workspace):
    write(workspace / "autobyteus.toml", '[demo]\nmodel = "not-core"\n[other]\nendpoint = "x"\n')
    settings = AutobyteusSettings.load(workspace)
    assert settings.model is None
    assert settings.plugin(DemoSettings).endpoint == "http://default"


def test_plugin_settings_are_cached_unless_overridden(workspace):
    settings = AutobyteusSettings.load(workspace)
    assert settings.plugin(DemoSettings) is settings.plugin(DemoSettings)
    overridden = settings.plugin(DemoSettings, retries=8)
    assert overridden.retries == 8
    assert overridden.value_sources()["retries"] == "init"
    assert settings.plugin(DemoSettings).retries == 1


def test_invalid_value_error_names_field_and_its_source(workspace, monkeypatch):
    monkeypatch.setenv("AUTOBYTEUS_MAX_CONCURRENCY", "lots")
    with pytest.raises(ConfigurationError) as caught:
        AutobyteusSettings.load(workspace)
    message = str(caught.value)
    assert "max_concurrency (from env AUTOBYTEUS_MAX_CONCURRENCY)" in message
    assert "integer" in message


def test_invalid_toml_value_names_the_file(workspace):
    write(workspace / "autobyteus.toml", "[demo]\nretries = -1.5\n")
    with pytest.raises(
        ConfigurationError, match=r"invalid demo settings: retries \(from autobyteus.toml\)"
    ):
        DemoSettings.load(workspace)


def test_malformed_toml_is_a_configuration_error(workspace):
    write(workspace / "autobyteus.toml", "model = \n")
    with pytest.raises(ConfigurationError, match=r"cannot read settings from .*autobyteus\.toml"):
        AutobyteusSettings.load(workspace)


def test_known_plugin_settings_lists_subclasses_with_a_namespace():
    class NoNamespace(PluginSettings):
        value: int = 0

    known = known_plugin_settings()
    assert DemoSettings in known
    assert NoNamespace not in known
    assert all(not cls._bound for cls in known)


def test_workspaces_without_a_dotenv_share_one_settings_class(tmp_path):
    """A batch loads settings for a workspace per item: one without a ``.env`` builds no class
    of its own (pydantic takes milliseconds per class), yet reads its own TOML files."""
    first, second, with_env = (tmp_path / name for name in ("first", "second", "with-env"))
    for folder, model in ((first, "a:one"), (second, "b:two"), (with_env, "c:three")):
        folder.mkdir()
        write(folder / "autobyteus.toml", f'model = "{model}"\n[demo]\nretries = 3\n')
    write(with_env / ".env", "AUTOBYTEUS_WORKFLOW=from-dotenv\nAUTOBYTEUS_DEMO__RETRIES=5\n")
    one, two, three = (AutobyteusSettings.load(w) for w in (first, second, with_env))
    assert type(one) is type(two) is type(AutobyteusSettings.load(None))
    assert (one.model, two.model, three.model) == ("a:one", "b:two", "c:three")
    assert (one.workflow, three.workflow) == ("automated_coding", "from-dotenv")
    assert one.value_sources()["model"] == "autobyteus.toml"
    assert three.value_sources()["workflow"] == ".env"
    assert (one.plugin(DemoSettings).retries, three.plugin(DemoSettings).retries) == (3, 5)
    assert type(one.plugin(DemoSettings)) is type(two.plugin(DemoSettings))


def test_settings_built_alike_are_reused_only_while_their_sources_are_the_same(
    tmp_path, monkeypatch
):
    """Workspaces with the same TOML file and environment reuse settings built once, each a
    copy of its own; a different file, variable, override or a ``.env`` builds afresh."""
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        write(folder / "autobyteus.toml", 'model = "a:one"\nprompts = {s = {k = "p.j2"}}\n')
    one = AutobyteusSettings.load(first)
    two = AutobyteusSettings.load(second)
    assert (one.model, two.model, two.workspace) == ("a:one", "a:one", second)
    assert two.prompt_file("s", "k") == second / "p.j2"
    assert two.value_sources()["model"] == "autobyteus.toml"
    one.prompts["s"]["k"] = "changed.j2"  # a copy each: nothing is shared
    assert AutobyteusSettings.load(second).prompts == {"s": {"k": "p.j2"}}
    write(second / "autobyteus.toml", 'model = "b:two"\n')
    assert AutobyteusSettings.load(second).model == "b:two"
    monkeypatch.setenv("AUTOBYTEUS_MODEL", "env:model")
    assert AutobyteusSettings.load(first).model == "env:model"
    assert AutobyteusSettings.load(first, model="init:model").model == "init:model"
    monkeypatch.delenv("AUTOBYTEUS_MODEL")
    write(first / ".env", "AUTOBYTEUS_MODEL=dotenv:model\n")
    assert AutobyteusSettings.load(first).model == "dotenv:model"
    monkeypatch.setenv("AUTOBYTEUS_MAX_CONCURRENCY", "0")
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        AutobyteusSettings.load(second)


def test_reused_settings_still_register_their_secrets(tmp_path, monkeypatch):
    from autobyteus_core import secret_masking

    monkeypatch.setattr(secret_masking, "_known", set())
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        write(tmp_path / name / "autobyteus.toml", '[demo]\napi_key = "sk-reused-0123456789"\n')
    assert DemoSettings.load(tmp_path / "a").api_key is not None
    secret_masking._known.clear()
    DemoSettings.load(tmp_path / "b")
    assert secret_masking.mask_secrets("key sk-reused-0123456789") == "key **********"
