"""The composition examples of docs/composing.md run as written, and docs/running.md names every
run command and option."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.workflow import Workflow
from autobyteus_core.workflow.workflow_status import WorkflowStatus
from tests import REPO

DOCS = REPO / "docs"
COMPOSING = DOCS / "composing.md"


def _section(name: str, page: Path = COMPOSING) -> str:
    text = page.read_text(encoding="utf-8")
    match = re.search(rf"<!-- section:{name} -->(.*?)<!-- /section:{name} -->", text, re.S)
    assert match, f"{page.name} has no {name} section"
    return match.group(1)


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


@pytest.fixture
def composed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The namespace left by running the page's Python example in a fresh folder."""
    monkeypatch.chdir(tmp_path)
    for name in ("AUTOBYTEUS_BUDGET_TOKENS", "AUTOBYTEUS_BUDGET_USD", "AUTOBYTEUS_MODEL"):
        monkeypatch.delenv(name, raising=False)
    (python,) = _blocks(_section("compose"), "python")
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(python, str(COMPOSING), "exec"), namespace)
    return namespace


def test_the_python_example_runs(composed: dict[str, Any], tmp_path: Path) -> None:
    run = composed["run"]
    assert run.status is WorkflowStatus.SUCCEEDED
    assert list(run.steps) == ["outline", "save"]
    assert (tmp_path / "demo-workspace" / "OUTLINE.md").is_file()
    assert (
        tmp_path / "demo-workspace" / ".autobyteus" / "runs" / run.run_id / "state.json"
    ).is_file()


def test_the_toml_example_runs_nested(composed: dict[str, Any], tmp_path: Path) -> None:
    (toml,) = _blocks(_section("compose"), "toml")
    path = tmp_path / "documented.toml"
    path.write_text(toml, encoding="utf-8")
    app = composed["app"]
    app.steps.add("chapter", composed["ChapterStep"])
    workflow = Workflow.from_file(
        path, app=app, workspace=tmp_path / "toml-ws", model=ScriptedLLM().queue("- an outline")
    )
    run = workflow.run(requirement="r")
    assert run.status is WorkflowStatus.SUCCEEDED
    assert list(run.steps) == ["chapter", "chapter/outline", "chapter/save"]
    assert (tmp_path / "toml-ws" / "OUTLINE.md").read_text(encoding="utf-8") == "- an outline"


def test_the_run_section_documents_every_command() -> None:
    section = _section("run", DOCS / "running.md")
    for command in ("autobyteus run", "autobyteus runs", "autobyteus show", "autobyteus resume"):
        assert command in section
    for option in ("--workspace", "--model", "--workflow", "--budget", "--max-concurrency"):
        assert option in section
