"""The subprocess runner: own process group, timeout kills the whole group, capped output."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import sys
from pathlib import Path

import pytest

from autobyteus_core.sandbox.policy import Sandbox
from autobyteus_core.sandbox.runner import ProcessOutcome, child_environment, run_process

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX here")
#: These tests watch the runner's own process handling from outside (host pids): no bwrap.
OFF = Sandbox.off()


async def _python(
    code: str, cwd: Path, *, timeout_s: float = 60, max_output_chars: int = 10_000
) -> ProcessOutcome:
    """``python -c code`` through the runner, outside bubblewrap."""
    return await run_process(
        [sys.executable, "-c", code],
        cwd=cwd,
        timeout_s=timeout_s,
        max_output_chars=max_output_chars,
        sandbox=OFF,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


async def _wait_dead(pid: int) -> bool:
    for _ in range(200):
        if not _alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_output_and_exit_status(tmp_path: Path) -> None:
    code = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"
    outcome = await _python(code, tmp_path)
    assert outcome.returncode == 3
    assert not outcome.timed_out and not outcome.ok
    assert "out" in outcome.output and "err" in outcome.output


async def test_runs_in_the_given_folder_with_stdin_closed(tmp_path: Path) -> None:
    code = "import os, sys; print(os.getcwd()); print(repr(sys.stdin.read()))"
    outcome = await _python(code, tmp_path)
    assert outcome.ok
    assert str(tmp_path.resolve()) in outcome.output
    assert "''" in outcome.output


async def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    # A shell starts in milliseconds, and ``$!`` is known as soon as it forks, so the pid file
    # and "started" are written long before the timeout even on a loaded machine.
    pid_file = tmp_path / "grandchild.pid"
    script = f"sleep 600 & echo $! > {shlex.quote(str(pid_file))}; echo started; sleep 600"
    outcome = await run_process(
        ["/bin/sh", "-c", script], cwd=tmp_path, timeout_s=10, max_output_chars=10_000, sandbox=OFF
    )
    assert outcome.timed_out
    assert outcome.returncode is None
    assert "started" in outcome.output
    grandchild = int(pid_file.read_text())
    assert await _wait_dead(grandchild), "the grandchild outlived the timeout"


async def test_leftover_background_processes_are_killed_after_a_normal_exit(
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "daemon.pid"
    code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],\n"
        "                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
    )
    outcome = await _python(code, tmp_path)
    assert outcome.ok
    assert await _wait_dead(int(pid_file.read_text()))


async def test_a_leftover_holding_the_output_open_does_not_hold_up_the_run(
    tmp_path: Path,
) -> None:
    # The child inherits stdout, so the pipe stays open after the parent exits: the run must
    # still end with the parent's exit status (not as a timeout), and the child must be killed.
    pid_file = tmp_path / "leftover.pid"
    code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "print('parent done', flush=True)\n"
    )
    outcome = await _python(code, tmp_path)
    assert outcome.returncode == 0
    assert not outcome.timed_out and outcome.ok
    assert "parent done" in outcome.output
    assert await _wait_dead(int(pid_file.read_text())), "the leftover outlived the run"


async def test_a_leftover_that_escapes_the_group_does_not_hang_the_run(tmp_path: Path) -> None:
    # In a session of its own the child survives the group kill and keeps the output pipe open
    # until it exits: the run must not wait for that (it ends while the child still lives, with
    # the parent's status). The child sleeps longer than the run's timeout, so that waiting for
    # the pipe would show as a timeout, but not much longer, should the test itself be killed.
    pid_file = tmp_path / "escaped.pid"
    code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'],\n"
        "                         start_new_session=True)\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "print('parent done', flush=True)\n"
    )
    try:
        outcome = await _python(code, tmp_path)
        assert outcome.returncode == 0
        assert not outcome.timed_out
        assert "parent done" in outcome.output
        assert _alive(int(pid_file.read_text())), "the run waited for the escaped child"
    finally:
        if pid_file.exists() and pid_file.read_text():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


async def test_cancellation_kills_the_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    task = asyncio.ensure_future(_python(code, tmp_path, timeout_s=600, max_output_chars=1000))
    for _ in range(400):
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _wait_dead(int(pid_file.read_text()))


async def test_output_is_capped_keeping_head_and_tail(tmp_path: Path) -> None:
    code = "print('HEAD'); print('x' * 2_000_000); print('TAIL')"
    outcome = await _python(code, tmp_path, max_output_chars=2_000)
    assert outcome.ok
    assert outcome.output.startswith("HEAD")
    assert outcome.output.rstrip().endswith("TAIL")
    assert outcome.dropped_chars > 1_900_000
    assert len(outcome.output) < 2_200
    assert "bytes of output cut" in outcome.output


def test_child_environment_drops_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-secret")
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__BASE_URL", "http://x")
    monkeypatch.setenv("HARMLESS_SETTING", "kept")
    env = child_environment({"EXTRA": "1"})
    assert "OPENAI_API_KEY" not in env and "GITHUB_TOKEN" not in env
    assert not any(name.startswith("AUTOBYTEUS_") for name in env)
    assert env["HARMLESS_SETTING"] == "kept"
    assert env["EXTRA"] == "1"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_the_runner_is_exported_from_the_core() -> None:
    import autobyteus_core
    from autobyteus_core.sandbox import runner

    assert autobyteus_core.run_process is runner.run_process
    assert autobyteus_core.ProcessOutcome is runner.ProcessOutcome
    with pytest.raises(AttributeError, match="no_such_name"):
        autobyteus_core.no_such_name  # noqa: B018
