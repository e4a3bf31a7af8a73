"""The event_log default plugin writes every workflow event to AUTOBYTEUS_EVENT_LOG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autobyteus_core.testing.scripted_llm import ScriptedLLM


async def test_events_are_appended_as_json_lines(
    make_workflow: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "events.jsonl"
    monkeypatch.setenv("AUTOBYTEUS_EVENT_LOG", str(log))
    workflow = make_workflow({"ask": ("ask", {"calls": 2})}, ScriptedLLM().on("question", "r"))
    await workflow.start(requirement="r")

    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    types = [e["type"] for e in events]
    assert types[0] == "workflow_started" and types[-1] == "workflow_finished"
    assert types.count("llm_call_finished") == 2
    assert {e["run_id"] for e in events} == {workflow.run_id}
    finished = [e for e in events if e["type"] == "llm_call_finished"]
    assert all(e["step_id"] == "ask" and e["data"]["prompt_tokens"] > 0 for e in finished)


async def test_nothing_is_written_when_unset(
    make_workflow: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTOBYTEUS_EVENT_LOG", raising=False)
    monkeypatch.chdir(tmp_path)
    workflow = make_workflow({"ask": ("ask", {"calls": 1})}, ScriptedLLM().on("question", "r"))
    await workflow.start(requirement="r")
    assert not any(p.suffix == ".jsonl" for p in tmp_path.iterdir())
