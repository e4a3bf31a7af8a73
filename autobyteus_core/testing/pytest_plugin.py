"""pytest fixtures for autobyteus and its plugins, installed as the ``pytest11`` plugin ``autobyteus``.

Any test run in an environment where autobyteus-core is installed gets these fixtures:

- ``autobyteus_app``: a fresh, isolated :class:`Application` that does not read entry points (only
  the core's default plugins, plus what the test registers);
- ``register_plugin``: ``register_plugin(plugin_object_or_module, name=None)`` registers a plugin
  into ``autobyteus_app``, calls its ``register_*`` hooks at once and imports whatever they
  registered by import path (so a broken hook or a wrong ``Deferred`` path fails right there,
  and the returned record lists what it registered), and unregisters it when the test ends;
- ``scripted_llm``: a fresh :class:`ScriptedLLM`;
- ``workspace``: an empty temporary workspace folder.

Tests run with ``AUTOBYTEUS_STRICT_PLUGINS=1`` so a broken plugin fails loudly instead of being
skipped with a warning; set the variable to ``0`` before running pytest to opt out. Logging
configuration made by a test is reset after it.

This module is imported by every pytest run in such an environment, so it imports nothing heavy
at module level.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.plugins import PluginRecord
    from autobyteus_core.testing.scripted_llm import ScriptedLLM

STRICT_ENV = "AUTOBYTEUS_STRICT_PLUGINS"


class RegisterPlugin(Protocol):
    """The type of the ``register_plugin`` fixture."""

    def __call__(self, plugin: object, name: str | None = None, **origin: Any) -> PluginRecord:
        """Register ``plugin`` into ``autobyteus_app``; ``origin`` may give ``distribution`` and
        ``version``. Returns the plugin's record (hooks implemented, what it registered)."""
        ...


@pytest.fixture(autouse=True)
def _autobyteus_isolation(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run every test with strict plugin loading unless the environment already decides, and
    forget any logging configuration a test made (structlog's is process-wide)."""
    if STRICT_ENV not in os.environ:
        monkeypatch.setenv(STRICT_ENV, "1")
    yield
    if "autobyteus_core.logging" in sys.modules:
        from autobyteus_core.logging import reset_logging

        reset_logging()


@pytest.fixture
def autobyteus_app() -> Iterator[Application]:
    """An isolated application: default plugins only, no entry points, nothing shared."""
    from autobyteus_core.app import Application

    yield Application(entry_points=False)


@pytest.fixture
def register_plugin(autobyteus_app: Application) -> Iterator[RegisterPlugin]:
    """A function that registers a plugin into ``autobyteus_app`` for the length of the test."""
    names: list[str] = []

    def register(plugin: object, name: str | None = None, **origin: Any) -> PluginRecord:
        autobyteus_app.fill_all()  # so the plugin's hooks run now and its record is complete
        record = autobyteus_app.add_plugin(plugin, name, **origin)
        names.append(record.name)
        autobyteus_app.load_everything()  # a wrong import path (Deferred) fails right here
        return record

    yield register
    for name in reversed(names):
        autobyteus_app.remove_plugin(name)


@pytest.fixture
def scripted_llm() -> ScriptedLLM:
    """A fresh scripted LLM: queue replies with ``.queue(...)``, add rules with ``.on(...)``,
    inspect ``.calls`` afterwards."""
    from autobyteus_core.testing.scripted_llm import ScriptedLLM

    return ScriptedLLM()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty workspace folder, removed by pytest with ``tmp_path``."""
    root = tmp_path / "workspace"
    root.mkdir()
    return root
