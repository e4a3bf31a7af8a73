"""Shared test set-up. Fixtures come from the testing kit (``autobyteus_core.testing``), which
pytest loads as the ``autobyteus`` plugin: ``autobyteus_app``, ``register_plugin``,
``scripted_llm`` and ``workspace``; tests run with ``AUTOBYTEUS_STRICT_PLUGINS=1``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

#: The repository root (holds the core's pyproject.toml and ``plugins/``).
REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT
