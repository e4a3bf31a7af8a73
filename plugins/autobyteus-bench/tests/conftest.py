"""Fixtures of the bench tests: an application with the coding steps, a three-task suite."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from bench_testkit.harness import SETTINGS, make_suite

from autobyteus_core import Application


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting of the developer's shell changes a test."""
    for name in list(os.environ):
        if name.startswith(("AUTOBYTEUS_CODING_STEPS__", "AUTOBYTEUS_PROMPTS", "AUTOBYTEUS_MODEL")):
            monkeypatch.delenv(name)


@pytest.fixture
def app(autobyteus_app: Application, register_plugin: Any) -> Application:
    """An isolated application with the coding-steps plugin registered."""
    import autobyteus_coding_steps.plugin

    register_plugin(autobyteus_coding_steps.plugin, "coding_steps")
    return autobyteus_app


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """The three-task suite of :mod:`bench_testkit.harness`."""
    return make_suite(tmp_path / "suite")


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    """Settings for a short scripted run (verbatim requirement, two attempts, one fix round)."""
    path = tmp_path / "bench-settings.toml"
    path.write_text(SETTINGS, encoding="utf-8")
    return path
