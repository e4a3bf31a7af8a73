"""``AUTOBYTEUS_TRACE_PLUGINS=1``: every hook call is logged with its plugin, a summary of its
arguments and result, and its duration."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any, ClassVar

import pluggy
import pytest
from structlog.testing import capture_logs

from autobyteus_core import PROJECT_NAME, hookimpl, hookspecs
from autobyteus_core.app import Application
from autobyteus_core.tracing import ENV_TRACE, enable_tracing, summarize
from autobyteus_core.workflow.base_step import BaseStep


class HelloStep(BaseStep):
    name: ClassVar[str] = "hello"


class HelloPlugin:
    @hookimpl
    def register_steps(self, register: Callable[[type[BaseStep]], None]) -> None:
        register(HelloStep)


class BrokenWorkspacePlugin:
    @hookimpl
    def register_workspace_settings(self, register: Callable[[Any], None]) -> None:
        raise RuntimeError("boom while registering")


def hook_calls(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in logs if entry.get("event") == "plugin hook call"]


def test_each_hook_call_is_logged_with_plugin_arguments_result_and_duration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_TRACE, "1")
    app = Application(entry_points=False, default_plugins=())
    app.add_plugin(HelloPlugin(), "hello")

    with capture_logs() as logs:
        assert "hello" in app.steps

    (call,) = [c for c in hook_calls(logs) if c["hook"] == "register_steps"]
    assert call["plugins"] == ["hello"]
    assert call["args"]["register"].startswith("<function ")
    assert call["result"] == "[]"
    assert isinstance(call["duration_ms"], float) and call["duration_ms"] >= 0
    assert call["log_level"] == "info"


def test_a_failing_hook_is_logged_as_a_warning_with_its_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_TRACE, "1")
    monkeypatch.setenv("AUTOBYTEUS_STRICT_PLUGINS", "0")
    app = Application(entry_points=False, default_plugins=())
    app.add_plugin(BrokenWorkspacePlugin(), "broken")

    with capture_logs() as logs:
        assert len(app.workspace_types) == 0

    (call,) = [c for c in hook_calls(logs) if c["hook"] == "register_workspace_settings"]
    assert call["plugins"] == ["broken"]
    assert call["error"] == "RuntimeError('boom while registering')"
    assert "result" not in call
    assert call["log_level"] == "warning"


def test_nothing_is_logged_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TRACE, raising=False)
    app = Application(entry_points=False, default_plugins=())
    app.add_plugin(HelloPlugin(), "hello")

    with capture_logs() as logs:
        assert "hello" in app.steps

    assert hook_calls(logs) == []


def test_nested_hook_calls_are_each_logged_inner_first() -> None:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)

    class Outer:
        @hookimpl
        def workflow_event(self, event: object) -> None:
            pm.hook.register_workflows(register=print)

    class Inner:
        @hookimpl
        def register_workflows(self, register: object) -> str:
            return "inner result"

    pm.register(Outer(), name="outer")
    pm.register(Inner(), name="inner")
    stop = enable_tracing(pm)

    with capture_logs() as logs:
        pm.hook.workflow_event(event="an event")
        stop()
        pm.hook.workflow_event(event="not traced")

    calls = hook_calls(logs)
    assert [c["hook"] for c in calls] == ["register_workflows", "workflow_event"]
    assert calls[0]["plugins"] == ["inner"]
    assert calls[0]["args"] == {"register": "<function print>"}
    assert calls[0]["result"] == "['inner result']"
    assert calls[1]["args"] == {"event": "'an event'"}
    assert calls[1]["duration_ms"] >= calls[0]["duration_ms"]


def test_summaries_are_short_and_on_one_line() -> None:
    class Named:
        name = "python"

    assert summarize(HelloStep) == "<class HelloStep>"
    assert summarize(Named()) == "<Named 'python'>"
    assert summarize("a\n  b") == "'a\\n b'"
    assert summarize({"k": "x\ny"}) == "{'k': 'x\\ny'}"
    long = summarize("x" * 500, limit=40)
    assert len(long) == 40 and long.endswith("...")
    assert summarize(ValueError("bad\n\nthing")) == "ValueError('bad\\n\\nthing')"


def test_the_cli_process_writes_trace_lines_as_json_to_stderr() -> None:
    code = (
        "from autobyteus_core.app import Application\n"
        "print(sorted(Application(entry_points=False).workspace_types.names()))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={
            **dict(__import__("os").environ),
            ENV_TRACE: "1",
            "AUTOBYTEUS_LOG_FORMAT": "json",
        },
    )
    assert proc.stdout.strip() == "['python']"
    lines = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    (call,) = [line for line in lines if line.get("hook") == "register_workspace_settings"]
    assert call["event"] == "plugin hook call"
    assert call["plugins"] == ["python_workspace"]
    assert "duration_ms" in call and "timestamp" in call
