"""What a run remembers: :class:`RunState`, saved as ``state.json``, and the records in it.

Everything here is JSON-ready and secret-free: settings are not part of a run and call options
are scrubbed before they are recorded.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from pydantic import BaseModel, Field

from autobyteus_core.llm.usage import Usage
from autobyteus_core.process_probe import process_alive
from autobyteus_core.workflow.steps_template_config import WorkflowDefinition
from autobyteus_core.workflow.workflow_status import WorkflowStatus
from autobyteus_core.workspace.written_file import WrittenFile


class Subtask(BaseModel):
    """A parsed ``#task start#`` … ``#task end#`` block."""

    number: int
    title: str = ""
    objective: str = ""
    files: list[str] = Field(default_factory=list)
    functionality: str = ""
    integration_points: str = ""
    depends_on: list[int] = Field(default_factory=list)
    raw: str = ""

    @property
    def id(self) -> str:
        """A stable id such as ``task-3``, used in call keys and events."""
        return f"task-{self.number}"


class WorkflowState(BaseModel):
    """What steps hand to later steps. Everything here is JSON-serialisable and secret-free.

    ``data`` is free-form room for plugin steps, keyed by the plugin's own names.
    """

    requirement: str = ""
    requirement_document: str | None = None
    design_document: str | None = None
    subtasks: list[Subtask] = Field(default_factory=list)
    files_written: list[str] = Field(default_factory=list)
    test_files: list[str] = Field(default_factory=list)
    test_results: list[dict[str, Any]] = Field(default_factory=list)
    #: Why the tests never ran (no test command for the workspace type...); None when they ran
    #: or no step runs tests. A run that succeeded without them must not look like one that
    #: passed them: ``autobyteus run`` warns and ``show --json`` reports ``tests_run: false``.
    tests_not_run: str | None = None
    #: The tests that passed before the run changed anything and fail in the last test run
    #: (``show --json`` reports them; a run ending with any has not succeeded).
    regressions: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)


class StepRecord(BaseModel):
    """Status, result, usage, files and timing of one step (nested steps have paths such as
    ``"build/backend"``). ``usage`` and ``files`` include the step's sub-steps; ``wall_time_s``
    adds up over every attempt, resumed ones included."""

    id: str
    step: str
    status: WorkflowStatus = WorkflowStatus.PENDING
    summary: str = ""
    output: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    files: list[str] = Field(default_factory=list)
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    wall_time_s: float = 0.0

    @property
    def depth(self) -> int:
        """0 for a top-level step, 1 for its sub-steps, and so on."""
        return self.id.count("/")


class LLMExchange(BaseModel):
    """A completed call: where it was made, what identifies its prompt, and the raw reply.

    ``step`` is the step path (``"design"`` or ``"build/backend"``), ``key`` the call key within
    the step (the step's own key such as ``"task-3/attempt-1"``, or ``"#<n>"`` for the n-th
    unkeyed call), and ``fingerprint`` the SHA-256 of the messages and options. The prompt text
    itself is kept in the run's ``transcript.jsonl``.
    """

    step: str
    key: str
    fingerprint: str
    model: str
    reply: str
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    finish_reason: str | None = None
    timestamp: float = Field(default_factory=time.time)


class GitRecord(BaseModel):
    """Where a run's work is in git. ``base`` is the commit the run's own changes start from:
    ``start``, or the commit of the user's uncommitted changes (``--allow-dirty``)."""

    repository: str
    start_branch: str | None
    start: str
    branch: str
    base: str
    dirty_commit: str | None = None


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
    ``git`` says where its work is when it works in a git repository. ``state`` is the
    :class:`WorkflowState` the steps share (its name is the key every stored ``state.json``
    has, so it stays).
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
            "tests_not_run": self.state.tests_not_run,
            "regressions": list(self.state.regressions),
            "git": self.git.model_dump() if self.git else None,
        }

    @property
    def tests_run(self) -> bool | None:
        """False when a step said the tests never ran, True when test results were recorded,
        None when no step runs tests."""
        if self.state.tests_not_run is not None:
            return False
        return True if self.state.test_results else None
