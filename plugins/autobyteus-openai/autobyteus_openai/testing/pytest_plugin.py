"""The ``openai_server`` fixture, installed as the ``pytest11`` plugin ``autobyteus_openai``.

Imported by every pytest run where autobyteus-openai is installed, so it imports only pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from autobyteus_openai.testing.openai_server import OpenAIServer


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A started loopback OpenAI-compatible server on 127.0.0.1, stopped when the test ends:
    script replies and faults with ``.queue(...)``/``.on(...)``, read the request log in
    ``.requests``."""
    from autobyteus_openai.testing.openai_server import OpenAIServer

    with OpenAIServer() as server:
        yield server
