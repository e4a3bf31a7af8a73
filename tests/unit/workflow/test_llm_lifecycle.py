"""A workflow resolves its model once, in :meth:`Workflow.prepare`, and closes it once, in
:meth:`Workflow.aclose`; an LLM it was given belongs to the caller and is never closed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autobyteus_core.app import Application
from autobyteus_core.llm.llm_integration import LLMIntegration
from autobyteus_core.settings import AutobyteusSettings
from autobyteus_core.testing.replies_file import FileScriptedLLM, ScriptedFileProvider
from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition
from autobyteus_core.workflow.workflow import Workflow

ASK = WorkflowDefinition(name="ask", steps={"ask": StepsTemplateConfig(step="ask")})


class _ClosingLLM(ScriptedLLM):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


async def test_a_resolved_model_is_resolved_once_and_closed_once(
    app: Application, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = tmp_path / "replies.json"
    replies.write_text('["a reply"]', encoding="utf-8")
    created: list[str] = []
    closed: list[str] = []
    create = ScriptedFileProvider.create

    def counted_create(self: Any, model: str, settings: AutobyteusSettings) -> LLMIntegration:
        created.append(model)
        return create(self, model, settings)

    async def counted_close(self: FileScriptedLLM) -> None:
        closed.append(self.model_id)

    monkeypatch.setattr(ScriptedFileProvider, "create", counted_create)
    monkeypatch.setattr(FileScriptedLLM, "aclose", counted_close)
    workflow = Workflow(
        ASK,
        app=app,
        workspace=workspace,
        settings=AutobyteusSettings.load(workspace),
        model=f"scripted:{replies}",
    )
    workflow.prepare()  # as the CLI does before it starts the run
    await workflow.start("count the words")
    await workflow.aclose()
    await workflow.aclose()
    assert created == [str(replies)]
    assert closed == [f"scripted:{replies}"]


async def test_a_given_llm_is_never_closed_by_the_workflow(
    app: Application, workspace: Path
) -> None:
    llm = _ClosingLLM().queue("a reply")
    workflow = Workflow(ASK, app=app, workspace=workspace, model=llm)
    await workflow.start("count the words")
    await workflow.aclose()
    assert llm.closed == 0
