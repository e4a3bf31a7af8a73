"""Fixtures for the coding-steps tests (the context double lives in ``coding_steps_testkit.harness``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from coding_steps_testkit.harness import FakeContext, MakeContext

from autobyteus_core.testing import ScriptedLLM


@pytest.fixture(autouse=True)
def _clean_coding_steps_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting of the developer's shell changes a test."""
    for name in list(os.environ):
        if name.startswith(("AUTOBYTEUS_CODING_STEPS__", "AUTOBYTEUS_PROMPTS")):
            monkeypatch.delenv(name)


@pytest.fixture
def make_context(workspace: Path, scripted_llm: ScriptedLLM) -> MakeContext:
    """``make_context(**kwargs)``: a :class:`FakeContext` over the ``workspace`` fixture with the
    ``scripted_llm`` fixture as its LLM."""

    def make(**kwargs: Any) -> FakeContext:
        return FakeContext(workspace, scripted_llm, **kwargs)

    return make
