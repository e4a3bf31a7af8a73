"""``WorkflowState``: typed step outputs under a namespace, the fields of an older
``state.json`` moved to their new places, and the former attributes kept for plugin API 1.x."""

from __future__ import annotations

from typing import Any

import pytest

from autobyteus_core.workflow.errors import WorkflowError
from autobyteus_core.workflow.run_record import RunState, StepOutputs, WorkflowState
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition


class Notes(StepOutputs):
    namespace = "test_notes"
    state_aliases = ("legacy_notes",)

    legacy_notes: list[str] = []
    count: int = 0


class Other(StepOutputs):
    namespace = "test_notes"

    text: str = ""


def test_outputs_are_typed_kept_in_place_and_saved() -> None:
    state = WorkflowState()
    notes = state.output(Notes)
    notes.count = 2
    notes.legacy_notes.append("a")
    assert state.output(Notes) is notes
    saved = state.model_dump(mode="json")
    assert saved["outputs"] == {"test_notes": {"legacy_notes": ["a"], "count": 2}}
    again = WorkflowState.model_validate_json(state.model_dump_json())
    assert again.output(Notes) == notes


def test_a_stored_value_that_does_not_validate_is_a_clear_error() -> None:
    state = WorkflowState.model_validate({"outputs": {"test_notes": {"count": "many"}}})
    with pytest.raises(WorkflowError) as caught:
        state.output(Notes)
    message = str(caught.value)
    assert "state.outputs['test_notes'] is not a valid Notes (1 error(s))" in message
    assert "count: Input should be a valid integer" in message


def test_two_models_of_one_namespace_are_refused() -> None:
    state = WorkflowState()
    state.output(Notes)
    with pytest.raises(WorkflowError, match="holds a Notes, not a Other"):
        state.output(Other)


def test_a_former_attribute_reads_and_writes_its_model_with_a_warning() -> None:
    state = WorkflowState()
    with pytest.warns(DeprecationWarning, match=r"use state.output\(Notes\).legacy_notes"):
        state.legacy_notes = ["x"]  # type: ignore[attr-defined]
    with pytest.warns(DeprecationWarning):
        assert state.legacy_notes == ["x"]  # type: ignore[attr-defined]
    assert state.output(Notes).legacy_notes == ["x"]
    with pytest.raises(AttributeError):
        state.no_such_field  # type: ignore[attr-defined]  # noqa: B018


def old_state(**fields: Any) -> dict[str, Any]:
    """The ``state`` of a ``state.json`` written before plugin API 1.5 (every field present)."""
    return {
        "requirement": "count words",
        "requirement_document": None,
        "design_document": None,
        "subtasks": [],
        "files_written": [],
        "test_files": [],
        "test_results": [],
        "tests_not_run": None,
        "regressions": [],
        "data": {},
        **fields,
    }


def old_run(**fields: Any) -> RunState:
    workflow = WorkflowDefinition(name="w", steps={"a": StepsTemplateConfig(step="a")})
    return RunState.model_validate(
        {"run_id": "r", "workflow": workflow.model_dump(), "state": old_state(**fields)}
    )


def test_an_older_state_keeps_its_values_for_the_model_that_takes_them() -> None:
    state = WorkflowState.model_validate(old_state(subtasks=[{"number": 1}], design_document="d"))
    assert state.former == {"subtasks": [{"number": 1}], "design_document": "d"}
    assert state.requirement == "count words"
    assert state.tests is None


def test_an_older_states_test_fields_report_as_they_did() -> None:
    passed = old_run(test_results=[{"passed": False}, {"passed": True, "counts": "3 passed"}])
    assert passed.tests_run is True
    assert passed.state.tests is not None
    assert (passed.state.tests.passed, passed.state.tests.counts) == (True, "3 passed")
    summary = passed.summary()
    assert (summary["tests_run"], summary["tests_not_run"], summary["regressions"]) == (
        True,
        None,
        [],
    )

    never = old_run(tests_not_run="no test command")
    assert (never.tests_run, never.summary()["tests_not_run"]) == (False, "no test command")

    broken = old_run(test_results=[{"passed": False}], regressions=["t::a"])
    assert broken.summary()["regressions"] == ["t::a"]

    assert old_run().tests_run is None
