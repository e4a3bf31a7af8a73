"""The workflow engine's fixtures, shared by the engine's and the CLI's tests (each folder's
conftest imports them): an isolated application with the test steps, and a factory of workflows
in a temporary workspace."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from autobyteus_core.app import Application
from autobyteus_core.settings import AutobyteusSettings
from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition
from autobyteus_core.workflow.workflow import Workflow
from tests.unit.workflow.wf_steps import StepsPlugin

MakeWorkflow = Callable[..., Workflow]


@pytest.fixture
def app(autobyteus_app: Application, register_plugin: Any) -> Application:
    """The isolated application with the test steps registered as a plugin."""
    register_plugin(StepsPlugin(), "test_steps")
    return autobyteus_app


def definition(steps: Mapping[str, Any], name: str = "test") -> WorkflowDefinition:
    """A definition from ``{id: "name" | ("name", options) | ("name", options, {sub...})}``."""

    def config(spec: Any) -> StepsTemplateConfig:
        if isinstance(spec, str):
            return StepsTemplateConfig(step=spec)
        step, options, *rest = spec
        subs = {k: config(v) for k, v in (rest[0] if rest else {}).items()}
        return StepsTemplateConfig(step=step, options=options, steps=subs)

    return WorkflowDefinition(name=name, steps={k: config(v) for k, v in steps.items()})


@pytest.fixture
def make_workflow(app: Application, workspace: Path) -> MakeWorkflow:
    """``make_workflow(steps, llm=..., **kwargs)``: a workflow of ``steps`` (see
    :func:`definition`) in the test workspace, with settings isolated from the environment."""

    def make(steps: Mapping[str, Any], llm: ScriptedLLM | None = None, **kwargs: Any) -> Workflow:
        settings = kwargs.pop("settings", None) or AutobyteusSettings.load(workspace)
        return Workflow(
            definition(steps),
            app=app,
            workspace=workspace,
            settings=settings,
            model=llm if llm is not None else ScriptedLLM(),
            **kwargs,
        )

    return make


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Budget and concurrency settings from the environment must not leak into the tests."""
    for name in ("AUTOBYTEUS_BUDGET_TOKENS", "AUTOBYTEUS_BUDGET_USD", "AUTOBYTEUS_MAX_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
