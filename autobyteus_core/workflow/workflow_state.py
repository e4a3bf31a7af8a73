"""The data a workflow accumulates as its steps run; saved with the run and restored on resume."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, Field, ValidationError, model_validator

from autobyteus_core.workflow.errors import WorkflowError

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
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or '(the whole value)'}: "
                f"{error['msg']}"
                for error in exc.errors()[:5]
            )
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
