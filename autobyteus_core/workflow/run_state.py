"""The whole persisted state of one run: what ``state.json`` holds and ``to_json`` returns."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from pydantic import BaseModel, Field

from autobyteus_core.llm.usage import Usage
from autobyteus_core.process_probe import process_alive
from autobyteus_core.workflow.llm_exchange import LLMExchange
from autobyteus_core.workflow.run_git import GitRecord
from autobyteus_core.workflow.step_record import StepRecord
from autobyteus_core.workflow.steps_template_config import WorkflowDefinition
from autobyteus_core.workflow.workflow_state import WorkflowState
from autobyteus_core.workflow.workflow_status import WorkflowStatus
from autobyteus_core.workspace.written_file import WrittenFile

#: Bumped when the layout of ``state.json`` changes incompatibly.
RUN_FORMAT = 1


def step_paths(definition: WorkflowDefinition) -> list[tuple[str, str]]:
    """``(path, step name)`` of every step, parents before their sub-steps, in order."""
    return [(path, config.step) for path, config in definition.walk()]


class RunState(BaseModel):
    """Configuration, statuses, step outputs, LLM exchanges, files and usage of a run.

    Secret-free by construction: settings are not part of it and call options are scrubbed.
    ``pid`` and ``host`` name the process that last ran it (to refuse two processes resuming
    the same run at once). ``paused_after`` is the step a ``paused`` run stopped after.
    ``git`` says where its work is when it works in a git repository.
    """

    format: int = RUN_FORMAT
    run_id: str
    workflow: WorkflowDefinition
    status: WorkflowStatus = WorkflowStatus.PENDING
    stop_reason: str | None = None
    error: str | None = None
    paused_after: str | None = None
    model_id: str | None = None
    workspace: str | None = None
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)
    budget_tokens: int | None = None
    budget_usd: float | None = None
    max_concurrency: int = 4
    pid: int | None = None
    host: str | None = None
    usage: Usage = Field(default_factory=Usage)
    state: WorkflowState = Field(default_factory=WorkflowState)
    steps: dict[str, StepRecord] = Field(default_factory=dict)
    files: list[WrittenFile] = Field(default_factory=list)
    exchanges: list[LLMExchange] = Field(default_factory=list)
    git: GitRecord | None = None

    @classmethod
    def new(cls, run_id: str, workflow: WorkflowDefinition, **fields: Any) -> RunState:
        """A fresh run of ``workflow`` with every step pending."""
        steps = {path: StepRecord(id=path, step=name) for path, name in step_paths(workflow)}
        return cls(run_id=run_id, workflow=workflow, steps=steps, **fields)

    def is_live_elsewhere(self) -> bool:
        """Whether another process on this machine is running this run right now."""
        return (
            self.status is WorkflowStatus.RUNNING
            and self.pid is not None
            and self.pid != os.getpid()
            and self.host == socket.gethostname()
            and process_alive(self.pid)
        )

    @property
    def display_status(self) -> str:
        """The status for people: ``interrupted`` for a run whose process died mid-run."""
        if self.status is WorkflowStatus.RUNNING and not (
            self.pid == os.getpid() or self.is_live_elsewhere()
        ):
            return "interrupted"
        return self.status.value

    def add_usage(self, step: str, usage: Usage) -> None:
        """Count one call's ``usage`` for the run, for step ``step`` and for each step that
        contains it (a step's usage includes its sub-steps')."""
        self.usage = self.usage + usage
        parts = step.split("/")
        for depth in range(1, len(parts) + 1):
            record = self.steps.get("/".join(parts[:depth]))
            if record is not None:
                record.usage = record.usage + usage

    @property
    def wall_time_s(self) -> float:
        """Time spent in top-level steps, over every attempt."""
        return sum(r.wall_time_s for r in self.steps.values() if r.depth == 0)

    def summary(self) -> dict[str, Any]:
        """A short JSON-ready description, as ``autobyteus runs --json`` lists it."""
        tests = self.state.tests
        return {
            "run_id": self.run_id,
            "workflow": self.workflow.name,
            "status": self.display_status,
            "stop_reason": self.stop_reason,
            "error": self.error,
            "paused_after": self.paused_after,
            "model": self.model_id,
            "requirement": self.state.requirement,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "usage": {**self.usage.model_dump(), "total_tokens": self.usage.total_tokens},
            "files": len({f.path for f in self.files}),
            "tests_run": self.tests_run,
            "tests_not_run": tests.not_run if tests else None,
            "regressions": list(tests.regressions) if tests else [],
            "git": self.git.model_dump() if self.git else None,
        }

    @property
    def tests_run(self) -> bool | None:
        """False when a step said the tests never ran, True when test results were recorded,
        None when no step runs tests."""
        tests = self.state.tests
        if tests is None:
            return None
        if tests.not_run is not None:
            return False
        return True if tests.runs else None
