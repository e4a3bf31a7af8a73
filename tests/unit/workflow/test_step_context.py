"""A step's context is built from the run's parts, not from the engine, and a file it writes is
recorded once, in the run's journal; the rest is derived from that record."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autobyteus_core.default_plugins.python_workspace import python_workspace
from autobyteus_core.llm.llm_response import LLMResponse
from autobyteus_core.llm.message import Message
from autobyteus_core.settings import AutobyteusSettings
from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.events import EventType
from autobyteus_core.workflow.run_journal import RunJournal
from autobyteus_core.workflow.run_record import RunState
from autobyteus_core.workflow.step_context import RunParts, StepContext
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition
from autobyteus_core.workspace.workspace_setting import WorkspaceSetting


def _run() -> RunState:
    inner = StepsTemplateConfig(step="backend")
    build = StepsTemplateConfig(step="build", steps={"backend": inner})
    return RunState.new("run-1", WorkflowDefinition(name="t", steps={"build": build}))


def test_a_context_from_parts_records_a_write_once_and_derives_the_rest(tmp_path: Path) -> None:
    run = _run()
    journal = RunJournal(run)
    events: list[tuple[Any, ...]] = []
    context = StepContext(
        "build/backend",
        run_id=run.run_id,
        state=run.state,
        workspace=WorkspaceSetting.detect(tmp_path, [python_workspace()]),
        settings=AutobyteusSettings.load(tmp_path),
        model_id="scripted:test",
        max_concurrency=1,
        parts=RunParts(journal=journal, emit=lambda *args, **data: events.append((*args, data))),
    )
    context.write_file("pkg/a.py", "a = 1\n")
    context.write_file("pkg/a.py", "a = 2\n")

    assert [(f.path, f.action) for f in run.files] == [
        ("pkg/a.py", "created"),
        ("pkg/a.py", "replaced"),
    ]
    assert run.state.files_written == ["pkg/a.py"]
    assert run.steps["build/backend"].files == run.steps["build"].files == ["pkg/a.py"]
    assert [e[:2] for e in events] == [(EventType.FILE_WRITTEN, "build/backend")] * 2
    assert context.step_id == context.step_path == "build/backend"


def test_the_journal_is_the_one_place_a_write_is_recorded(tmp_path: Path) -> None:
    run = _run()
    written = WorkspaceSetting.detect(tmp_path, [python_workspace()]).write_file("b.py", "b\n")
    RunJournal(run).add_file(written, "build/backend")
    assert run.files == [written]
    assert run.state.files_written == ["b.py"]
    assert run.steps["build"].files == ["b.py"]


class _StackLLM(ScriptedLLM):
    """Notes the frames between the step and this call (the engine's, for a call)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.frames: list[str] = []

    async def complete(self, messages: Sequence[Message], **options: Any) -> LLMResponse:
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_name != "execute":
            owner = frame.f_locals.get("self")
            self.frames.append(f"{type(owner).__name__}.{frame.f_code.co_name}")
            frame = frame.f_back
        return await super().complete(messages, **options)


async def test_an_llm_call_passes_the_context_and_the_ledger_only(make_workflow: Any) -> None:
    llm = _StackLLM().queue("a reply")
    await make_workflow({"ask": "ask"}, llm=llm).start(requirement="r")
    assert llm.frames == ["CallLedger.complete", "StepContext.complete"]
