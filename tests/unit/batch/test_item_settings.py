"""Plugin settings in a JSONL item's ``settings``: a table named for a plugin's namespace applies
to that item only (a step's settings, and its provider's, for which the item gets a client of
its own), and a table or key no plugin has is refused with an error naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autobyteus_core import (
    AutobyteusSettings,
    BaseStep,
    LLMProvider,
    Message,
    ModelInfo,
    PluginSettings,
    StepResult,
    WorkflowContext,
    WorkflowDefinition,
    hookimpl,
)
from autobyteus_core.app import Application
from autobyteus_core.batch.runner import BatchOptions, BatchRunner
from autobyteus_core.batch.spec import read_spec
from autobyteus_core.testing import ScriptedLLM
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig


class GreetSettings(PluginSettings):
    namespace = "greet_kit"
    greeting: str = "hello"


class EchoSettings(PluginSettings):
    namespace = "echo_kit"
    prefix: str = "shared"


class GreetStep(BaseStep):
    name = "greet_kit_step"
    description = "writes its plugin's greeting and the model's reply"

    async def execute(self, context: WorkflowContext) -> StepResult:
        greeting = context.settings.plugin(GreetSettings).greeting
        reply = await context.complete([Message.user(context.requirement)], key="echo")
        context.write_file("greeting.txt", greeting)
        context.write_file("reply.txt", reply.text)
        return StepResult(summary="greeted")


class EchoProvider(LLMProvider):
    name = "echo_kit"
    settings_class = EchoSettings
    made: list[str] = []

    def list_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        return [ModelInfo(id="echo_kit:one")]

    def create(self, model: str, settings: AutobyteusSettings) -> ScriptedLLM:
        prefix = settings.plugin(EchoSettings).prefix
        self.made.append(prefix)
        return ScriptedLLM(model_id=f"echo_kit:{model}").on(r"", f"{prefix} reply")


class KitPlugin:
    @hookimpl
    def register_steps(self, register: Any) -> None:
        register(GreetStep)

    @hookimpl
    def register_llm_providers(self, register: Any) -> None:
        register(EchoProvider())

    @hookimpl
    def register_workflows(self, register: Any) -> None:
        register(
            WorkflowDefinition(
                name="greet_kit", steps={"greet": StepsTemplateConfig(step="greet_kit_step")}
            )
        )


def spec_of(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


async def test_an_items_plugin_settings_apply_to_it_alone_and_unknown_ones_are_refused(
    autobyteus_app: Application, register_plugin: Any, tmp_path: Path
) -> None:
    register_plugin(KitPlugin(), "greet_kit")
    EchoProvider.made.clear()
    tuned = {"greet_kit": {"greeting": "hi"}, "echo_kit": {"prefix": "own"}}
    spec = spec_of(
        tmp_path / "items.jsonl",
        [
            {"id": "plain", "requirement": "say it"},
            {"id": "tuned", "requirement": "say it too", "settings": tuned},
            {"id": "after", "requirement": "say it again"},
            {"id": "typo", "requirement": "r", "settings": {"greet_kit": {"greting": "x"}}},
            {"id": "nobody", "requirement": "r", "settings": {"nobody_kit": {"x": 1}}},
            {"id": "flat", "requirement": "r", "settings": {"budget_tokns": 5}},
            {"id": "badvalue", "requirement": "r", "settings": {"greet_kit": {"greeting": 5}}},
        ],
    )
    out = tmp_path / "out"
    options = BatchOptions(out=out, jobs=1, model="echo_kit:one", workflow="greet_kit")
    runner = BatchRunner(read_spec(spec), options, app=autobyteus_app)
    await runner.run(autobyteus_app.executors.get("local"))
    await autobyteus_app.llm.aclose()

    lines = {json.loads(line)["id"]: json.loads(line) for line in (out / "results.jsonl").open()}
    files = {
        item: ((out / item / "greeting.txt").read_text(), (out / item / "reply.txt").read_text())
        for item in ("plain", "tuned", "after")
    }
    assert files == {
        "plain": ("hello", "shared reply"),
        "tuned": ("hi", "own reply"),  # its own client, made with its provider settings
        "after": ("hello", "shared reply"),  # the shared client again
    }
    assert EchoProvider.made == ["shared", "own"]
    assert all(lines[item]["status"] == "succeeded" for item in files)
    errors = {item: lines[item]["error"] for item in ("typo", "nobody", "flat", "badvalue")}
    assert all(lines[item]["status"] == "error" for item in errors)
    assert errors["typo"].startswith("unknown greet_kit settings greting (known: greeting)")
    assert errors["nobody"].startswith("unknown settings 'nobody_kit': no plugin")
    assert errors["flat"].startswith("unknown settings budget_tokns (core settings: ")
    assert "greeting (from init)" in errors["badvalue"]
    assert not (out / "typo" / "greeting.txt").exists()
