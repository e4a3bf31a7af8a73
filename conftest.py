"""Collection rules for the whole repository: the tests of a plugin under ``plugins/<dist>/`` are
collected only when that distribution is installed (``tox -e core-only`` installs the core alone,
so every plugin's tests are left out there, and the header says which), and the bench's task
data is never collected. Property tests have no deadline."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

try:
    from hypothesis import settings
except ImportError:  # the property tests' dependency; core-only environments may lack it
    pass
else:
    # No timed assertions: an example's 200 ms deadline fails property tests on a loaded machine.
    settings.register_profile("autobyteus", deadline=None)
    settings.load_profile("autobyteus")

PLUGINS_DIR = Path(__file__).resolve().parent / "plugins"


def _installed(dist: str) -> bool:
    try:
        distribution(dist)
    except PackageNotFoundError:
        return False
    return True


def _missing_plugins() -> list[str]:
    if not PLUGINS_DIR.is_dir():
        return []
    return sorted(
        d.name
        for d in PLUGINS_DIR.iterdir()
        if (d / "pyproject.toml").is_file() and not _installed(d.name)
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip ``plugins/<dist>/`` when ``<dist>`` is not installed, and the starting packages of
    the bench's brownfield tasks (suite data: their tests run in a task's workspace)."""
    if collection_path.parent == PLUGINS_DIR and collection_path.name in _missing_plugins():
        return True
    if collection_path.name == "start" and collection_path.parent.parent.parent.name == "suites":
        return True
    return None


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say which plugins' tests are left out."""
    missing = _missing_plugins()
    if missing:
        return f"plugin tests skipped (distribution not installed): {', '.join(missing)}"
    return None
