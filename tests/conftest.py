"""Shared test set-up. Fixtures come from the testing kit (``autobyteus_core.testing``), which
pytest loads as the ``autobyteus`` plugin: ``autobyteus_app``, ``register_plugin``,
``scripted_llm`` and ``workspace``; tests run with ``AUTOBYTEUS_STRICT_PLUGINS=1``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import REPO

pytest_plugins = ("pytester",)


@pytest.fixture
def repo_root() -> Path:
    """The repository root (holds the core's pyproject.toml and ``plugins/``)."""
    return REPO


def _contributing_examples() -> dict[str, str]:
    import re

    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    pattern = re.compile(r"<!-- example: (\S+) -->\n```\w*\n(.*?)```", re.S)
    return {match.group(1): match.group(2) for match in pattern.finditer(text)}


@pytest.fixture
def contributing_examples() -> dict[str, str]:
    """The files CONTRIBUTING.md spells out, by path: every fenced block preceded by a
    ``<!-- example: <path> -->`` marker."""
    return _contributing_examples()


@pytest.fixture(scope="session")
def write_contributing_example():  # type: ignore[no-untyped-def]
    """``write(distribution, into) -> Path``: the example distribution of CONTRIBUTING.md
    (package, pyproject.toml and tests) written under the folder ``into``."""

    def write(distribution: str, into: Path) -> Path:
        found = False
        for relative, content in _contributing_examples().items():
            if relative.split("/", 1)[0] != distribution:
                continue
            target = into / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            found = True
        assert found, f"CONTRIBUTING.md has no example files for {distribution}"
        return into / distribution

    return write


#: Variables that would give git an identity or a configuration from outside the test.
_GIT_VARIABLES = (
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
)


@pytest.fixture
def git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A global git configuration of the test's own (an identity, ``main`` as the first
    branch), used by every git the test starts; the system's is ignored. Its path."""
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in _GIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return config


@pytest.fixture
def git(git_config: Path):  # type: ignore[no-untyped-def]
    """``git(root, *args) -> stdout``: run the real git in ``root`` (failing the test if it
    fails), with the test's own configuration."""
    import subprocess

    def run(root: Path, *args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
        return result.stdout

    return run
