"""Workflow events, sent to the ``workflow_event`` hook and to the CLI's progress display."""

from __future__ import annotations

import time
from enum import Enum
from typing import Any

from pydantic import BaseModel, Field


class EventType(str, Enum):
    """Every kind of workflow event."""

    WORKFLOW_STARTED = "workflow_started"
    WORKFLOW_FINISHED = "workflow_finished"
    STEP_STARTED = "step_started"
    STEP_FINISHED = "step_finished"
    STEP_FAILED = "step_failed"
    SUBTASK_STARTED = "subtask_started"
    SUBTASK_FINISHED = "subtask_finished"
    LLM_CALL_STARTED = "llm_call_started"
    LLM_CALL_FINISHED = "llm_call_finished"
    FILE_WRITTEN = "file_written"
    BUDGET_EXCEEDED = "budget_exceeded"
    MESSAGE = "message"


class WorkflowEvent(BaseModel):
    """One event: its type, the run and step it belongs to, when, and type-specific data.

    ``data`` for ``llm_call_finished`` has ``prompt_tokens``, ``completion_tokens``, ``cost_usd``,
    ``latency_s``, ``model`` and ``replayed`` (true when served from the run store on resume); for
    ``file_written`` it has ``path`` (relative to the workspace) and ``bytes``.

    Steps announce their subtasks with ``subtask_started`` (``subtask``: an id such as
    ``"task-3"``, ``title``) and ``subtask_finished`` (``subtask`` and ``status``:
    ``succeeded``, ``failed``, ``skipped``...; or an ``error``), which the CLI's progress
    display shows. ``step_finished``/``step_failed`` carry ``status``, ``summary``, ``error``,
    ``wall_time_s``, ``total_tokens``, ``cost_usd`` and ``files``.
    """

    type: EventType
    run_id: str
    step_id: str | None = None
    #: The workspace root and the run's folder (``<workspace>/.autobyteus/runs/<run-id>/``),
    #: absolute, so an observer knows where to write (the run folder is git-ignored).
    workspace: str | None = None
    run_dir: str | None = None
    timestamp: float = Field(default_factory=time.time)
    data: dict[str, Any] = Field(default_factory=dict)
