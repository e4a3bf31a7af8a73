"""Fixtures: a clean environment and integrations aimed at the loopback server."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from autobyteus_openai.openai_integration import OpenAIIntegration
from autobyteus_openai.settings import OpenAISettings
from autobyteus_openai.testing import OpenAIServer

TEST_KEY = "sk-test-5f1c2e9a7b3d4c60"

MakeLLM = Callable[..., OpenAIIntegration]


@pytest.fixture(autouse=True)
def _clean_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OpenAI variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "AUTOBYTEUS_OPENAI__")) or name == "AUTOBYTEUS_MODEL":
            monkeypatch.delenv(name)


@pytest.fixture
def api_key() -> str:
    """The key the loopback server requires."""
    return TEST_KEY


@pytest.fixture
def server(openai_server: OpenAIServer) -> OpenAIServer:
    """The loopback server, requiring :data:`TEST_KEY`."""
    openai_server.api_key = TEST_KEY
    return openai_server


@pytest.fixture
def openai_settings(server: OpenAIServer) -> Callable[..., OpenAISettings]:
    """Settings aimed at the loopback server with short retry delays; keywords override."""

    def make(**overrides: Any) -> OpenAISettings:
        values: dict[str, Any] = {
            "api_key": TEST_KEY,
            "base_url": server.url,
            "timeout": 10.0,
            "retry_base_delay": 0.02,
            "retry_max_delay": 0.2,
        }
        values.update(overrides)
        return OpenAISettings(**values)

    return make


@pytest.fixture
async def make_llm(
    openai_settings: Callable[..., OpenAISettings],
) -> AsyncIterator[MakeLLM]:
    """Build integrations (``model=`` picks the model); all are closed after the test."""
    made: list[OpenAIIntegration] = []

    def make(model: str = "gpt-4o-mini", **overrides: Any) -> OpenAIIntegration:
        llm = OpenAIIntegration(f"openai:{model}", model, openai_settings(**overrides))
        made.append(llm)
        return llm

    yield make
    for llm in made:
        await llm.aclose()


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A URL where nothing listens: the port is held (bound, never listening) for the test, so
    no other server can take it and connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{holder.getsockname()[1]}/v1"
