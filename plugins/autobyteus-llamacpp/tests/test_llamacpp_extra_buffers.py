"""``extra_buffers = false`` loads the model without llama.cpp's extra buffer types (AMX)."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from autobyteus_llamacpp.llamacpp_llm import load_llama
from autobyteus_llamacpp.settings import LlamaCppSettings


class Params:
    use_extra_bufts = True


def fake_llama_cpp(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """A ``llama_cpp`` whose ``Llama`` reads the default model parameters as the real one
    does; returns the ``use_extra_bufts`` of each model loaded."""
    loaded: list[bool] = []
    native = types.ModuleType("llama_cpp.llama_cpp")
    native.llama_model_default_params = Params  # type: ignore[attr-defined]

    class Llama:
        def __init__(self, **kwargs: Any) -> None:
            loaded.append(native.llama_model_default_params().use_extra_bufts)  # type: ignore[attr-defined]

    package = types.ModuleType("llama_cpp")
    package.Llama = Llama  # type: ignore[attr-defined]
    package.llama_cpp = native  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "llama_cpp", package)
    monkeypatch.setitem(sys.modules, "llama_cpp.llama_cpp", native)
    return loaded


def test_extra_buffers_are_llama_cpps_default_unless_turned_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AUTOBYTEUS_LLAMACPP__EXTRA_BUFFERS", raising=False)
    loaded = fake_llama_cpp(monkeypatch)
    load_llama(tmp_path / "m.gguf", LlamaCppSettings())
    load_llama(tmp_path / "m.gguf", LlamaCppSettings(extra_buffers=False))
    load_llama(tmp_path / "m.gguf", LlamaCppSettings())
    assert loaded == [True, False, True]
    assert sys.modules["llama_cpp.llama_cpp"].llama_model_default_params is Params


def test_the_setting_reads_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AUTOBYTEUS_LLAMACPP__EXTRA_BUFFERS", "false")
    assert LlamaCppSettings.load(tmp_path).extra_buffers is False
