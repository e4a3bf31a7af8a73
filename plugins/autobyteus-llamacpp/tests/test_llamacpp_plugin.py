"""The plugin as autobyteus sees it: discovered by entry point, registered without importing
llama_cpp, and the default model below a configured OpenAI key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("autobyteus_llamacpp")

from autobyteus_llamacpp.catalog import DEFAULT_MODEL
from autobyteus_llamacpp.llamacpp_provider import llama_cpp_installed

from autobyteus_core import Application, AutobyteusSettings
from autobyteus_core.testing import RegisterPlugin

DEFAULT_ID = "llamacpp:qwen2.5-coder-1.5b"

PROBE = """
import json, sys
from autobyteus_core.app import Application
from autobyteus_core.settings import AutobyteusSettings
app = Application()
settings = AutobyteusSettings.load(None)
models = [m.id for m in app.llm.list_models(settings)]
print(json.dumps({
    "default": app.llm.resolve_model_id(settings),
    "models": models,
    "origin": app.llm.providers.registration("llamacpp").origin.distribution,
    "llama_cpp_imported": "llama_cpp" in sys.modules,
}))
"""


@pytest.fixture
def no_model_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "AUTOBYTEUS_OPENAI__")) or name == "AUTOBYTEUS_MODEL":
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("no_model_configured")
def test_entry_point_registers_the_provider_and_default_without_importing_llama_cpp(
    tmp_path: Path,
) -> None:
    if not (DEFAULT_MODEL.installed() and llama_cpp_installed()):
        pytest.skip("llama-cpp-python or the default model's packages are not installed")
    env = {**os.environ, "AUTOBYTEUS_LOAD_PLUGINS": "autobyteus-llamacpp"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["default"] == DEFAULT_ID
    assert probe["origin"] == "autobyteus-llamacpp"
    assert {DEFAULT_ID, "llamacpp:gemma3-270m", "llamacpp:<path-to-model.gguf>"} <= set(
        probe["models"]
    )
    assert probe["llama_cpp_imported"] is False


@pytest.mark.usefixtures("no_model_configured")
def test_a_configured_openai_key_outranks_the_local_default(
    autobyteus_app: Application,
    register_plugin: RegisterPlugin,
    monkeypatch: pytest.MonkeyPatch,
    workspace: Path,
) -> None:
    if not (DEFAULT_MODEL.installed() and llama_cpp_installed()):
        pytest.skip("llama-cpp-python or the default model's packages are not installed")
    pytest.importorskip("autobyteus_openai")
    import autobyteus_llamacpp.plugin
    import autobyteus_openai.plugin

    register_plugin(autobyteus_llamacpp.plugin, "llamacpp")
    register_plugin(autobyteus_openai.plugin, "openai")
    assert autobyteus_app.llm.resolve_model_id(AutobyteusSettings.load(workspace)) == DEFAULT_ID
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    keyed = AutobyteusSettings.load(workspace)
    assert autobyteus_app.llm.resolve_model_id(keyed).startswith("openai:")
    assert autobyteus_app.llm.resolve_model_id(keyed, "llamacpp:gemma3-270m") == (
        "llamacpp:gemma3-270m"
    )
