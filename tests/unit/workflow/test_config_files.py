"""Workflow definitions in TOML and JSON files, finding workflows, and composing them in code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autobyteus_core import hookimpl
from autobyteus_core.errors import ConfigurationError
from autobyteus_core.registry import UnknownNameError
from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.base_step import BaseStep
from autobyteus_core.workflow.config import WORKFLOW_CONFIG
from autobyteus_core.workflow.config_files import (
    dumps_workflow,
    find_workflow,
    load_workflow_file,
    loads_workflow,
    save_workflow_file,
)
from autobyteus_core.workflow.errors import UnknownStepError, WorkflowError
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition
from autobyteus_core.workflow.workflow import Workflow
from autobyteus_core.workflow.workflow_status import WorkflowStatus
from tests.unit.workflow.wf_steps import Ask, Note

NESTED = WorkflowDefinition(
    name="nested",
    description="z before a: order is kept",
    steps={
        "zeta": StepsTemplateConfig(step="note"),
        "build": StepsTemplateConfig(
            step="group",
            options={"retries": 2, "label": "x", "ratio": 0.5, "flags": [1, 2]},
            steps={
                "backend": StepsTemplateConfig(step="ask", options={"calls": 1}),
                "alpha": StepsTemplateConfig(step="note"),
            },
        ),
    },
)


@pytest.mark.parametrize("suffix", ["toml", "json"])
def test_a_definition_round_trips_through_a_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"flow.{suffix}"
    save_workflow_file(NESTED, path)
    loaded = load_workflow_file(path)
    assert loaded == NESTED
    assert list(loaded.steps) == ["zeta", "build"]
    assert list(loaded.steps["build"].steps) == ["backend", "alpha"]


def test_toml_is_written_for_people() -> None:
    text = dumps_workflow(NESTED)
    assert "[steps.build.steps.backend]" in text
    assert 'step = "ask"' in text
    assert "steps = {}" not in text and "options = {}" not in text


def test_malformed_files_are_clear_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("name = [", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"broken\.toml: not valid TOML"):
        load_workflow_file(broken)
    with pytest.raises(ConfigurationError, match=r"steps\.a\.step: Field required"):
        loads_workflow('name = "x"\n[steps.a]\noptions = {}\n')
    with pytest.raises(ConfigurationError, match="unknown_key"):
        loads_workflow('{"name": "x", "steps": {}, "unknown_key": 1}', "json")
    with pytest.raises(ConfigurationError, match=r"\.toml or \.json"):
        load_workflow_file(tmp_path / "flow.yaml")
    with pytest.raises(ConfigurationError, match="cannot read workflow file"):
        load_workflow_file(tmp_path / "missing.toml")


def test_loading_with_the_registry_rejects_unknown_step_names(app: Any, tmp_path: Path) -> None:
    path = tmp_path / "flow.toml"
    save_workflow_file(NESTED, path)
    assert load_workflow_file(path, steps=app.steps) == NESTED
    bad = NESTED.model_copy(update={"steps": {"x": StepsTemplateConfig(step="nonexistent")}})
    save_workflow_file(bad, path)
    with pytest.raises(UnknownStepError, match="'nonexistent'; registered steps: ask, bad"):
        load_workflow_file(path, steps=app.steps)


class Flows:
    @hookimpl
    def register_workflows(self, register: Any) -> None:
        register(NESTED)


def test_find_workflow_by_file_name_or_default(
    app: Any, register_plugin: Any, tmp_path: Path
) -> None:
    assert find_workflow(app, None) is WORKFLOW_CONFIG  # no plugin registered the default
    with pytest.raises(UnknownNameError, match="unknown workflow 'nested'"):
        find_workflow(app, "nested")
    register_plugin(Flows(), "flows")
    assert find_workflow(app, "nested") == NESTED
    path = tmp_path / "mine.json"
    save_workflow_file(NESTED, path)
    assert find_workflow(app, str(path)) == NESTED


async def test_a_workflow_from_a_toml_file_runs(app: Any, workspace: Path) -> None:
    path = workspace.parent / "flow.toml"
    path.write_text(
        'name = "from-file"\n\n[steps.hello]\nstep = "ask"\n\n[steps.bye]\nstep = "note"\n',
        encoding="utf-8",
    )
    workflow = Workflow.from_file(
        path, app=app, workspace=workspace, model=ScriptedLLM().queue("hi")
    )
    run = await workflow.start(requirement="r")
    assert run.status is WorkflowStatus.SUCCEEDED
    assert workflow.state.data["order"] == ["hello", "bye"]


async def test_compose_from_classes_names_and_configs(app: Any, workspace: Path) -> None:
    class Shout(BaseStep):
        name = "shout"

        async def execute(self, context: Any) -> Any:
            context.state.data.setdefault("order", []).append("shout")
            return await super().execute(context)

    workflow = Workflow.from_steps(
        [Shout, "note", StepsTemplateConfig(step="ask", options={"calls": 2})],
        name="composed",
        app=app,
        workspace=workspace,
        model=ScriptedLLM().queue("a", "b"),
    )
    assert "shout" in app.steps  # registered on the fly
    assert list(workflow.definition.steps) == ["shout", "note", "ask"]
    run = await workflow.start(requirement="r")
    assert run.status is WorkflowStatus.SUCCEEDED
    assert workflow.state.data["order"] == ["shout", "note", "ask"]

    twice = Workflow.from_steps({"one": Note, "two": Note}, app=app, workspace=workspace)
    assert list(twice.definition.steps) == ["one", "two"]


def test_composition_errors(app: Any, workspace: Path) -> None:
    with pytest.raises(WorkflowError, match="used twice"):
        Workflow.from_steps([Note, Note], app=app, workspace=workspace)

    class Impostor(Ask):
        name = "ask"

    with pytest.raises(WorkflowError, match="already registered by plugin 'test_steps'"):
        Workflow.from_steps([Impostor], app=app, workspace=workspace)
    with pytest.raises(WorkflowError, match="at least one step"):
        Workflow.from_steps([], app=app, workspace=workspace)
    with pytest.raises(WorkflowError, match="a BaseStep subclass"):
        Workflow.from_steps([42], app=app, workspace=workspace)  # type: ignore[list-item]
