"""Fixtures for the llamacpp plugin's tests.

Model tests skip (never fail) when llama-cpp-python or the model packages are not installed, as in
the tox ``core-only`` environment. The gemma model is assembled once per session into a temporary
cache directory; the default qwen model uses the user's cache (it is 1.1 GB).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from autobyteus_llamacpp.llamacpp_provider import LlamaCppProvider
    from autobyteus_llamacpp.model_cache import ModelCache


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory for the session's assembled test models."""
    return tmp_path_factory.mktemp("llamacpp-models")


@pytest.fixture
def llamacpp_env(monkeypatch: pytest.MonkeyPatch, model_cache_dir: Path) -> pytest.MonkeyPatch:
    """Settings for quick model tests: a small context, short replies, the session cache."""
    monkeypatch.setenv("AUTOBYTEUS_LLAMACPP__CACHE_DIR", str(model_cache_dir))
    monkeypatch.setenv("AUTOBYTEUS_LLAMACPP__CONTEXT_SIZE", "1024")
    monkeypatch.setenv("AUTOBYTEUS_LLAMACPP__MAX_TOKENS", "12")
    return monkeypatch


@pytest.fixture(scope="session")
def session_models() -> Iterator[ModelCache]:
    """One model cache for the session, so the gemma model loads once; freed at the end."""
    pytest.importorskip("autobyteus_llamacpp")
    from autobyteus_llamacpp.model_cache import ModelCache

    cache = ModelCache()
    yield cache
    cache.clear()


@pytest.fixture
def provider(session_models: ModelCache) -> LlamaCppProvider:
    """A provider sharing the session's loaded models."""
    from autobyteus_llamacpp.llamacpp_provider import LlamaCppProvider

    return LlamaCppProvider(models=session_models)
