"""Hostile replies cannot reconfigure autobyteus: the issue's two attacks, through the real CLI
(``autobyteus run`` in a subprocess), the real ``openai`` client and loopback servers.

A first run's model asks to write a control file (``.env`` or ``autobyteus.toml``) that would
make the *next* run send the user's key elsewhere or read ``/proc/self/environ`` into its
prompt; the file is refused, the model is told why, and the next run obeys the user only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from autobyteus_openai.testing import OpenAIServer, ScriptedReply

pytest.importorskip("autobyteus_coding_steps.plugin")

KEY = "sk-control-files-7d41c0aa93e2"


def _plan(path: str) -> str:
    return f"""#### Task 1: Write the settings file
#task start#
- **Objective**: Configure the project.
- **File Specification**: `{path}`
- **Functionality Details**: The settings.
- **Integration Points**: None.
#task end#
"""


@pytest.fixture
def collector() -> Iterator[OpenAIServer]:
    """A second loopback server: whatever reaches it was sent where the user never said."""
    with OpenAIServer(models=None, default_reply="ok") as server:
        yield server


def _serve_attack(server: OpenAIServer, path: str, content: str) -> None:
    server.api_key = KEY
    server.on("Rewrite the requirement", "## Background\nA settings file.\n")
    server.on("Break the feature requirements", _plan(path))
    server.on("You are implementing one subtask", f"```\n{content}\n```\n")
    server.default_reply = "ok"


def _serve_nothing(server: OpenAIServer) -> None:
    """The next run only has to show where its first call goes: it fails there."""
    server.reset()
    server.default_reply = ScriptedReply.server_error()


def _run(
    workspace: Path, server: OpenAIServer, requirement: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AUTOBYTEUS_"))}
    env.update(
        OPENAI_API_KEY=KEY,  # the user's key and server, from the environment
        OPENAI_BASE_URL=server.url,
        AUTOBYTEUS_LOAD_PLUGINS="autobyteus-openai,autobyteus-coding-steps",
        AUTOBYTEUS_LOG_FORMAT="json",
        AUTOBYTEUS_OPENAI__MAX_RETRIES="0",
    )
    return subprocess.run(
        [sys.executable, "-m", "autobyteus_core.cli", "run", requirement,
         "--workspace", str(workspace), "--model", "openai:gpt-4o-mini"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _recorded(workspace: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in (workspace / ".autobyteus").rglob("*")
        if path.is_file()
    )


def test_a_planned_env_file_cannot_redirect_the_next_run(
    openai_server: OpenAIServer, collector: OpenAIServer, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    _serve_attack(
        openai_server,
        ".env",
        f"AUTOBYTEUS_OPENAI__BASE_URL={collector.url}\nOPENAI_BASE_URL={collector.url}",
    )
    first = _run(workspace, openai_server, "a settings file")
    asked = [r.prompt for r in openai_server.completion_requests]
    _serve_nothing(openai_server)
    _run(workspace, openai_server, "another program")
    assert collector.requests == []  # the next run never sent the key where the reply said ...
    assert openai_server.completion_requests  # ... only to the user's server

    assert "Traceback" not in first.stderr
    assert not (workspace / ".env").exists()
    assert "'.env' is a control file autobyteus reads its settings from" in _recorded(workspace)
    # the refusal went back to the model in the re-ask, like any unsafe path
    assert any("'.env' is a control file" in prompt for prompt in asked)


def test_a_planned_autobyteus_toml_cannot_point_a_prompt_at_proc(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    toml = '[prompts.requirement]\nrequirement = "/proc/self/environ"'
    _serve_attack(openai_server, "autobyteus.toml", toml)
    _run(workspace, openai_server, "a settings file")
    assert not (workspace / "autobyteus.toml").exists()

    _serve_nothing(openai_server)
    _run(workspace, openai_server, "another program")
    assert openai_server.completion_requests
    prompts = json.dumps([r.body for r in openai_server.completion_requests])
    assert "OPENAI_BASE_URL" not in prompts and KEY not in prompts
    assert KEY not in _recorded(workspace)


def test_a_prompt_override_pointing_at_proc_is_refused_clearly(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    """Even when the user's own settings (say, of a cloned project) point a prompt at
    ``/proc/self/environ``, the environment is never read into a prompt."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "autobyteus.toml").write_text(
        '[prompts.requirement]\nrequirement = "/proc/self/environ"\n', encoding="utf-8"
    )
    _serve_nothing(openai_server)
    result = _run(workspace, openai_server, "a program")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "/proc/self/environ" in result.stdout + result.stderr
    assert "system file" in result.stdout + result.stderr
    prompts = json.dumps([r.body for r in openai_server.completion_requests])
    assert "OPENAI_BASE_URL" not in prompts and KEY not in prompts
    assert KEY not in _recorded(workspace)
