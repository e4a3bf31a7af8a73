"""What a run remembers: :class:`RunState`, saved as ``state.json``, and the records in it.

Everything here is JSON-ready and secret-free: settings are not part of a run and call options
are scrubbed before they are recorded.
"""

from __future__ import annotations

import os
import socket
import time
import warnings
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, Field, ValidationError, model_validator

from autobyteus_core.errors import validation_problems
from autobyteus_core.llm.usage import Usage
from autobyteus_core.process_probe import process_alive
from autobyteus_core.workflow.errors import WorkflowError
from autobyteus_core.workflow.steps_template_config import WorkflowDefinition
from autobyteus_core.workflow.workflow_status import WorkflowStatus
from autobyteus_core.workspace.written_file import WrittenFile

#: Fields of ``WorkflowState`` before plugin API 1.5, when the coding domain lived in the core.
#: A ``state.json`` holding them still loads: they wait in ``former`` until the output model
#: that names them in ``state_aliases`` is first read, and the test fields also give ``tests``.
FORMER_FIELDS: tuple[str, ...] = (
    "requirement_document",
    "design_document",
    "subtasks",
    "test_files",
    "test_results",
    "tests_not_run",
    "regressions",
)

#: Former attribute name -> the output model that keeps it now (filled as models are defined).
_ALIASES: dict[str, type[StepOutputs]] = {}

Outputs = TypeVar("Outputs", bound="StepOutputs")


class StepOutputs(BaseModel):
    """The typed outputs a plugin's steps keep in ``state.outputs[namespace]``; read and
    written through :meth:`WorkflowState.output`.

    ``state_aliases`` names former ``WorkflowState`` attributes that the model's fields of the
    same names took over: ``state.<alias>`` keeps working, deprecated, for plugin API 1.x.
    """

    namespace: ClassVar[str] = ""
    state_aliases: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for alias in cls.state_aliases:
            if alias not in cls.model_fields:
                raise TypeError(f"{cls.__qualname__}.state_aliases names {alias!r}, not a field")
            _ALIASES[alias] = cls


class TestsOutcome(BaseModel):
    """How the run's tests went, in the shape the core reports (``runs --json``, ``show``, the
    batch's results) without knowing the step that ran them; that step writes it."""

    __test__: ClassVar[bool] = False  # a pydantic model, not a pytest test class

    #: Why the tests never ran (no test command for the workspace type...). A run that
    #: succeeded without them must not look like one that passed them.
    not_run: str | None = None
    #: How many test runs were recorded; ``passed`` and ``counts`` are the last one's.
    runs: int = 0
    passed: bool | None = None
    counts: Any = None
    #: Tests that passed before the run changed anything and fail in the last test run.
    regressions: list[str] = Field(default_factory=list)


class WorkflowState(BaseModel):
    """What steps hand to later steps. Everything here is JSON-serialisable and secret-free.

    ``outputs`` holds each plugin's typed step outputs under its namespace (JSON as loaded, the
    :class:`StepOutputs` model once read); ``data`` is free-form room for plugin steps, keyed by
    the plugin's own names.
    """

    requirement: str = ""
    files_written: list[str] = Field(default_factory=list)
    tests: TestsOutcome | None = None
    outputs: dict[str, Any] = Field(default_factory=dict)
    #: Values of :data:`FORMER_FIELDS` from an older ``state.json`` not yet claimed by a model.
    former: dict[str, Any] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, value: Any) -> Any:
        if not isinstance(value, dict) or not any(name in value for name in FORMER_FIELDS):
            return value
        value = dict(value)
        moved = {name: value.pop(name) for name in FORMER_FIELDS if name in value}
        kept = {name: v for name, v in moved.items() if v not in (None, [])}  # not defaults
        value["former"] = {**value.get("former", {}), **kept}
        if value.get("tests") is None:
            value["tests"] = _former_tests(moved)
        return value

    def output(self, model: type[Outputs]) -> Outputs:
        """The outputs ``model`` keeps, to read and change in place (saved with the state);
        an empty one the first time. Raises :class:`WorkflowError` when what is stored under
        its namespace does not validate as ``model``."""
        namespace = model.namespace
        if not namespace:
            raise TypeError(f"{model.__qualname__} has no `namespace`")
        current = self.outputs.get(namespace)
        if isinstance(current, model):
            return current
        if isinstance(current, BaseModel):
            raise WorkflowError(
                f"state.outputs[{namespace!r}] holds a {type(current).__qualname__}, "
                f"not a {model.__qualname__}: two plugins use the namespace {namespace!r}"
            )
        if current is None:
            current = {a: self.former.pop(a) for a in model.state_aliases if a in self.former}
        try:
            typed = model.model_validate(current)
        except ValidationError as exc:
            problems = validation_problems(exc, whole="(the whole value)", most=5)
            raise WorkflowError(
                f"state.outputs[{namespace!r}] is not a valid {model.__qualname__} "
                f"({exc.error_count()} error(s)): {problems}"
            ) from exc
        self.outputs[namespace] = typed
        return typed

    # Plugin API 1.x: the fields that left the core stay readable and writable here while the
    # plugin that keeps them now is loaded.

    def __getattr__(self, name: str) -> Any:
        model = _ALIASES.get(name)
        if model is None:
            if name in FORMER_FIELDS:
                raise AttributeError(
                    f"WorkflowState.{name} left the core in plugin API 1.5; the plugin whose "
                    "outputs keep it now (autobyteus-coding-steps) is not loaded"
                )
            return super().__getattr__(name)  # type: ignore[misc]
        _deprecated(name, model)
        return getattr(self.output(model), name)

    def __setattr__(self, name: str, value: Any) -> None:
        model = _ALIASES.get(name)
        if model is None or name in type(self).model_fields:
            super().__setattr__(name, value)
            return
        _deprecated(name, model)
        setattr(self.output(model), name, value)


def _deprecated(name: str, model: type[StepOutputs]) -> None:
    warnings.warn(
        f"state.{name} is deprecated: use state.output({model.__qualname__}).{name} "
        f"({model.__module__})",
        DeprecationWarning,
        stacklevel=3,
    )


def _former_tests(moved: dict[str, Any]) -> TestsOutcome | None:
    """What the test fields of an older ``state.json`` said, as a :class:`TestsOutcome`."""
    results = moved.get("test_results") or []
    if not results and moved.get("tests_not_run") is None and not moved.get("regressions"):
        return None
    last = results[-1] if results and isinstance(results[-1], dict) else {}
    return TestsOutcome(
        not_run=moved.get("tests_not_run"),
        runs=len(results),
        passed=last.get("passed"),
        counts=last.get("counts"),
        regressions=list(moved.get("regressions") or []),
    )


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
