"""``autobyteus run``, ``runs``, ``show``, ``resume`` and ``workflow show``, in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from autobyteus_core.cli import cli
from autobyteus_core.llm.llm_integration_registry import NO_MODEL_HELP, LLMIntegrationRegistry
from tests.unit.workflow.wf_steps import Plan

FLOW = """\
name = "cli-test"
description = "plan, ask, fan out, then a step that fails once"

[steps.plan]
step = "plan"

[steps.ask]
step = "ask"
options = { calls = 2 }

[steps.fan]
step = "fan"
options = { count = 3 }

[steps.flaky]
step = "boom"
options = { times = 1 }
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A workspace, a workflow file of the test steps and a scripted replies file."""
    for name in ("AUTOBYTEUS_MODEL", "AUTOBYTEUS_WORKFLOW", "AUTOBYTEUS_BUDGET_TOKENS"):
        monkeypatch.delenv(name, raising=False)
    flow = tmp_path / "flow.toml"
    flow.write_text(FLOW, encoding="utf-8")
    replies = tmp_path / "replies.json"
    replies.write_text(
        json.dumps(
            {
                "rules": [
                    {"match": "question", "reply": "an answer of five words"},
                    {"match": "write part", "reply": "generated text"},
                ]
            }
        ),
        encoding="utf-8",
    )
    return {"workspace": tmp_path / "ws", "flow": flow, "replies": replies}


def _invoke(app: Any, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj={"app": app}, catch_exceptions=False)


def _run(app: Any, project: dict[str, Path], *extra: str) -> Result:
    return _invoke(
        app,
        "run",
        "build a calculator",
        "--workspace",
        str(project["workspace"]),
        "--model",
        f"scripted:{project['replies']}",
        "--workflow",
        str(project["flow"]),
        *extra,
    )


def _only_run_id(project: dict[str, Path]) -> str:
    runs = list((project["workspace"] / ".autobyteus" / "runs").iterdir())
    assert len(runs) == 1
    return runs[0].name


def _stopped_run(app: Any, project: dict[str, Path], *extra: str) -> tuple[Result, str]:
    """A run with ``extra`` options that stops, resumable (exit code 3), and its id."""
    result = _run(app, project, *extra)
    assert result.exit_code == 3, result.output
    return result, _only_run_id(project)


def test_show_names_a_step_that_cannot_show_its_output_and_shows_the_rest(
    app: Any, project: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(app, project)
    run_id = _only_run_id(project)

    def broken(self: Any, state: Any, record: Any) -> None:
        raise ValueError("no plan here")

    monkeypatch.setattr(Plan, "render_output", broken)
    shown = _invoke(app, "show", run_id, "--json", "-w", str(project["workspace"]))
    assert shown.exit_code == 0
    assert "Warning: step 'plan' cannot show its output: no plan here" in shown.stderr
    details = json.loads(shown.stdout)
    assert "subtasks" not in details and details["steps"][0]["id"] == "plan"


def test_a_run_gets_its_llm_once_and_closes_it_once(
    app: Any, project: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    gets: list[str] = []
    closes: list[str] = []
    get, aclose = LLMIntegrationRegistry.get, LLMIntegrationRegistry.aclose

    def counted_get(self: LLMIntegrationRegistry, model_id: str, *args: Any) -> Any:
        gets.append(model_id)
        return get(self, model_id, *args)

    async def counted_aclose(self: LLMIntegrationRegistry) -> None:
        closes.append("closed")
        await aclose(self)

    monkeypatch.setattr(LLMIntegrationRegistry, "get", counted_get)
    monkeypatch.setattr(LLMIntegrationRegistry, "aclose", counted_aclose)
    result = _run(app, project)
    assert result.exit_code == 1, result.output  # the flaky step fails its first run
    assert gets == [f"scripted:{project['replies']}"]
    assert closes == ["closed"]


def test_run_without_a_model_fails_before_doing_anything(
    autobyteus_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTOBYTEUS_MODEL", raising=False)
    result = _invoke(autobyteus_app, "run", "anything", "--workspace", str(tmp_path / "ws"))
    assert result.exit_code == 2
    assert f"Error: {NO_MODEL_HELP}" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "ws").exists()


def test_a_failed_run_reports_and_resume_finishes_it(app: Any, project: dict[str, Path]) -> None:
    result = _run(app, project)
    assert result.exit_code == 1, result.output
    run_id = _only_run_id(project)
    assert f"Run {run_id} failed: step 'flaky' failed: it went boom" in result.stderr
    assert f"Continue it with: autobyteus resume {run_id}" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert "✓ ask succeeded: 2 replies" in result.stderr  # plain progress lines off a terminal
    assert "✓ task-2" in result.stderr
    for column in ("step", "status", "files", "tokens", "cost", "wall time"):
        assert column in result.stdout

    resumed = _invoke(app, "resume", run_id[:12], "--workspace", str(project["workspace"]))
    assert resumed.exit_code == 0, resumed.output
    assert f"Run {run_id} succeeded." in resumed.stdout
    assert "resuming" in resumed.stderr

    listed = json.loads(_invoke(app, "runs", "--json", "-w", str(project["workspace"])).stdout)
    assert [(r["run_id"], r["status"]) for r in listed] == [(run_id, "succeeded")]
    assert listed[0]["usage"]["calls"] == 5 and listed[0]["files"] == 3

    shown = json.loads(
        _invoke(app, "show", run_id, "--json", "-w", str(project["workspace"])).stdout
    )
    assert [s["id"] for s in shown["steps"]] == ["plan", "ask", "fan", "flaky"]
    assert [s["title"] for s in shown["subtasks"]] == ["Parser", "Evaluator"]
    assert sorted(f["path"] for f in shown["files"]) == [f"parts/task_{i}.txt" for i in range(3)]
    assert shown["llm_calls"] == 5

    text = _invoke(app, "show", run_id, "-w", str(project["workspace"])).stdout
    assert "plan" in text and "Evaluator" in text and "calc/parser.py" in text
    assert "parts/task_0.txt" in text and "succeeded" in text
    assert run_id in _invoke(app, "runs", "-w", str(project["workspace"])).stdout


def test_a_budget_stops_the_run_and_a_bigger_budget_resumes_it(
    app: Any, project: dict[str, Path]
) -> None:
    result, run_id = _stopped_run(app, project, "--budget", "12")
    assert "budget reached" in result.stderr and "cancelled" in result.stderr
    resumed = _invoke(app, "resume", run_id, "-w", str(project["workspace"]), "--budget", "10k")
    assert resumed.exit_code == 1  # past the budget, the flaky step fails once
    again = _invoke(app, "resume", "last", "-w", str(project["workspace"]))
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--workflow", "nope"), "unknown workflow 'nope'"),
        (("--budget", "lots"), "--budget: 'lots' is not a budget"),
        (("--requirement-file", "x.txt"), "not both"),
        (("--model", "nosuch:model"), "no LLM provider 'nosuch'"),
    ],
)
def test_bad_options_fail_with_exit_code_2(
    app: Any, project: dict[str, Path], args: tuple[str, ...], message: str
) -> None:
    result = _run(app, project, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (project["workspace"] / ".autobyteus").exists()


def test_an_unknown_step_in_the_workflow_fails_with_exit_code_2(
    app: Any, project: dict[str, Path]
) -> None:
    project["flow"].write_text('name = "x"\n[steps.a]\nstep = "missing"\n', encoding="utf-8")
    result = _run(app, project)
    assert result.exit_code == 2
    assert "unknown step name 'missing'; registered steps: ask, bad" in result.stderr


def test_a_step_that_refuses_the_run_fails_it_with_exit_code_2_before_anything_is_paid(
    app: Any, project: dict[str, Path]
) -> None:
    project["flow"].write_text(FLOW + '\n[steps.last]\nstep = "picky"\n', encoding="utf-8")
    project["workspace"].mkdir()
    (project["workspace"] / "refuse").touch()
    result = _run(app, project)
    assert result.exit_code == 2
    assert "Error: picky cannot serve this workspace (last)" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (project["workspace"] / ".autobyteus").exists()


def test_the_requirement_can_come_from_a_file(
    app: Any, project: dict[str, Path], tmp_path: Path
) -> None:
    requirement = tmp_path / "req.md"
    requirement.write_text("  \n", encoding="utf-8")
    base = ["--workspace", str(project["workspace"]), "--model", f"scripted:{project['replies']}"]
    empty = _invoke(app, "run", "--requirement-file", str(requirement), *base)
    assert empty.exit_code == 2 and "no requirement" in empty.stderr
    requirement.write_text("Build a calculator.\n", encoding="utf-8")
    project["flow"].write_text('name = "x"\n[steps.a]\nstep = "ask"\n', encoding="utf-8")
    result = _invoke(app, "run", "-f", str(requirement), *base, "--workflow", str(project["flow"]))
    assert result.exit_code == 0, result.output
    shown = json.loads(_invoke(app, "show", "last", "--json", *base[:2]).stdout)
    assert shown["requirement"] == "Build a calculator."


def test_resume_of_an_unknown_run_is_a_clear_error(app: Any, tmp_path: Path) -> None:
    result = _invoke(app, "resume", "nope", "-w", str(tmp_path))
    assert result.exit_code == 2
    assert "no run 'nope'" in result.stderr


def test_workflow_show(app: Any, project: dict[str, Path]) -> None:
    args = ["workflow", "show", "--workflow", str(project["flow"]), "-w", str(project["workspace"])]
    data = json.loads(_invoke(app, *args, "--json").stdout)
    assert data["workflow"]["name"] == "cli-test"
    assert list(data["steps"]) == ["plan", "ask", "fan", "flaky"]
    assert {s["status"] for s in data["steps"].values()} == {"pending"}
    text = _invoke(app, *args).stdout
    assert "ask [ask] asks the LLM" in text
    toml = _invoke(app, *args, "--toml").stdout
    assert '[steps.fan]\nstep = "fan"' in toml
    default = _invoke(app, "workflow", "show", "-w", str(project["workspace"])).stdout
    assert default.startswith("automated_coding:")
    assert "(no installed plugin registers this step)" in default
    assert not (project["workspace"] / ".autobyteus").exists()


@pytest.mark.parametrize(
    "exc",
    [
        ModuleNotFoundError("No module named 'vendor_sdk'"),
        NotImplementedError("streaming only"),
    ],
)
def test_a_provider_whose_create_raises_stops_the_run_with_exit_code_2(
    app: Any, register_plugin: Any, project: dict[str, Path], exc: Exception
) -> None:
    from autobyteus_core import hookimpl
    from autobyteus_core.llm.llm_provider import LLMProvider

    class Failing(LLMProvider):
        name = "failing"

        def list_models(self, settings: Any) -> list[Any]:
            return []

        def create(self, model: str, settings: Any) -> Any:
            raise exc

    class Plugin:
        @hookimpl
        def register_llm_providers(self, register):  # type: ignore[no-untyped-def]
            register(Failing())

    register_plugin(Plugin(), "failing_plugin", distribution="ab-failing", version="0.2")
    result = _run(app, project, "--model", "failing:big")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: LLM provider 'failing' of plugin 'failing_plugin' (ab-failing 0.2) could not "
        f"create model 'big': {type(exc).__name__}: {exc}"
    )
    assert not (project["workspace"] / ".autobyteus").exists()


def test_pause_after_stops_with_exit_code_3_and_resume_goes_on(
    app: Any, project: dict[str, Path]
) -> None:
    result, run_id = _stopped_run(app, project, "--pause-after", "ask")
    assert f"Run {run_id} paused after step 'ask'." in result.stderr
    assert f"continue with `autobyteus resume {run_id}`" in result.stderr
    listed = json.loads(_invoke(app, "runs", "--json", "-w", str(project["workspace"])).stdout)
    assert [(r["status"], r["paused_after"]) for r in listed] == [("paused", "ask")]

    resumed = _invoke(
        app, "resume", run_id, "-w", str(project["workspace"]), "--pause-after", "fan"
    )
    assert resumed.exit_code == 3, resumed.output
    assert "paused after step 'fan'" in resumed.stderr
    assert "✓ plan" not in resumed.stderr and "✓ ask" not in resumed.stderr  # not run again


def test_pause_after_an_unknown_step_and_interactive_without_a_terminal_fail_with_code_2(
    app: Any, project: dict[str, Path]
) -> None:
    unknown = _run(app, project, "--pause-after", "nope")
    assert unknown.exit_code == 2
    assert "cannot pause after 'nope': workflow 'cli-test' has no such step" in unknown.stderr
    interactive = _run(app, project, "--interactive")
    assert interactive.exit_code == 2
    assert "--interactive needs a terminal" in interactive.stderr
    assert not (project["workspace"] / ".autobyteus").exists()
