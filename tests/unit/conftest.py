"""Fixtures for the core's unit tests: installed-looking plugin distributions on ``sys.path``, and
the workflow fixtures of :mod:`tests.unit.workflow.fixtures` (the engine's, the CLI's and the
default plugins' tests use them)."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.unit.workflow.fixtures import _no_user_settings, app, make_workflow

MakeDist = Callable[..., Path]

__all__ = ["MakeDist", "_no_user_settings", "app", "make_workflow"]


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A folder laid out like site-packages, for :func:`make_dist`."""
    site = tmp_path / "site"
    site.mkdir()
    return site


@pytest.fixture
def make_dist(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeDist]:
    """``make_dist(name, version, entry_points={ep: "module"}, modules={"module": source})``
    writes a distribution (a ``.dist-info`` with ``entry_points.txt``, and its modules) into
    ``site_dir`` and puts that folder on ``sys.path``, exactly as pip would lay it out, so
    ``importlib.metadata`` discovers the ``autobyteus`` entry points for real."""
    monkeypatch.syspath_prepend(str(site_dir))
    created: list[str] = []

    def make(
        name: str,
        version: str = "1.0",
        *,
        entry_points: dict[str, str],
        modules: dict[str, str],
    ) -> Path:
        info = site_dir / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
        )
        lines = "".join(f"{ep} = {target}\n" for ep, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[autobyteus]\n{lines}", encoding="utf-8")
        for module, source in modules.items():
            (site_dir / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            created.append(module)
        importlib.invalidate_caches()
        return info

    yield make
    for module in created:
        sys.modules.pop(module, None)
