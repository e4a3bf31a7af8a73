"""Generated tests that attack the machine, run by the core's runner as ``run_tests`` runs them
(real pytest, real bubblewrap): with ``sandbox = bwrap`` each attack is stopped and nothing
outside the workspace changes; the same test with ``sandbox = off`` shows what the sandbox
prevented. Canaries live in temporary folders; ``HOME`` points at one of them.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from autobyteus_core.sandbox import bwrap
from autobyteus_core.sandbox.limits import ResourceLimits
from autobyteus_core.sandbox.policy import Sandbox
from autobyteus_core.sandbox.runner import ProcessOutcome, child_environment, run_process
from autobyteus_core.sandbox.verdict import PytestVerdict, run_pytest

_PROBE = bwrap.probe()
needs_bwrap = pytest.mark.skipif(
    not _PROBE.works, reason=f"needs a working bubblewrap (Linux): {_PROBE.problem}"
)
MODES = [pytest.param("bwrap", marks=needs_bwrap), "off"]


def _sandbox(mode: str, **changes: object) -> Sandbox:
    return Sandbox(mode=mode, **changes)  # type: ignore[arg-type]


async def run_generated_test(
    workspace: Path, source: str, sandbox: Sandbox
) -> tuple[ProcessOutcome, PytestVerdict]:
    """Write ``source`` as the workspace's test file and run pytest on it with its report."""
    (workspace / "test_generated.py").write_text(source, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_generated.py"]
    # Without the environment's pytest plugins (hypothesis alone takes seconds to import).
    env = child_environment({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    return await run_pytest(
        run_process,
        command,
        cwd=workspace,
        timeout_s=120,
        max_output_chars=20_000,
        env=env,
        sandbox=sandbox,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


@pytest.fixture
def outside() -> Iterator[Path]:
    """A canary folder outside the workspace and outside /tmp (which the sandbox replaces)."""
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="autobyteus-canary-", dir=base) as folder:
        yield Path(folder)


@pytest.mark.parametrize("mode", MODES)
async def test_writing_to_home(mode: str, workspace: Path, home: Path) -> None:
    source = (
        "import os, pathlib\n"
        "def test_attack():\n"
        "    pathlib.Path(os.environ['HOME'], 'canary').write_text('pwned')\n"
    )
    outcome, verdict = await run_generated_test(workspace, source, _sandbox(mode))
    if mode == "bwrap":
        assert not verdict.passed
        assert "Read-only file system" in outcome.output
        assert not (home / "canary").exists()
    else:
        assert verdict.passed, outcome.output
        assert (home / "canary").read_text() == "pwned"


@pytest.mark.parametrize("mode", MODES)
async def test_writing_outside_the_workspace(mode: str, workspace: Path, outside: Path) -> None:
    target = outside / "canary"
    source = f"def test_attack():\n    open({str(target)!r}, 'w').write('pwned')\n"
    outcome, verdict = await run_generated_test(workspace, source, _sandbox(mode))
    if mode == "bwrap":
        assert not verdict.passed
        assert "Read-only file system" in outcome.output
        assert not target.exists()
    else:
        assert verdict.passed, outcome.output
        assert target.read_text() == "pwned"


@pytest.mark.parametrize("mode", MODES)
async def test_writing_to_the_hosts_tmp(mode: str, workspace: Path) -> None:
    target = Path(tempfile.gettempdir(), f"autobyteus-canary-{uuid.uuid4().hex}")
    source = (
        f"def test_attack():\n    open({str(target)!r}, 'w').write('pwned')\n"
        f"    assert open({str(target)!r}).read() == 'pwned'\n"
    )
    try:
        outcome, verdict = await run_generated_test(workspace, source, _sandbox(mode))
        # Inside the sandbox the write succeeds, into its private /tmp, gone with it.
        assert verdict.passed, outcome.output
        assert target.exists() == (mode == "off")
    finally:
        target.unlink(missing_ok=True)


@pytest.mark.parametrize(
    ("mode", "network"),
    [
        pytest.param("bwrap", False, marks=needs_bwrap),
        pytest.param("bwrap", True, marks=needs_bwrap, id="bwrap-network-opt-in"),
        ("off", False),
    ],
)
async def test_connecting_to_a_listening_loopback_port(
    mode: str, network: bool, workspace: Path
) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        source = (
            "import socket\n"
            "def test_attack():\n"
            f"    socket.create_connection(('127.0.0.1', {port})).sendall(b'pwned')\n"
        )
        outcome, verdict = await run_generated_test(
            workspace, source, _sandbox(mode, network=network)
        )
        server.setblocking(False)  # the connection, if one was made, waits in the backlog
        try:
            connection, _ = server.accept()
            connection.close()
            connected = True
        except BlockingIOError:
            connected = False
    if mode == "bwrap" and not network:
        assert not verdict.passed
        assert not connected
        assert "ConnectionRefusedError" in outcome.output or "unreachable" in outcome.output
    else:
        assert verdict.passed, outcome.output
        assert connected


#: Started with a credential in its environment, runs a generated test through the runner.
_HOST = r"""
import asyncio, json, sys
from pathlib import Path
from autobyteus_core.sandbox.policy import Sandbox
from autobyteus_core.sandbox.runner import run_process
code = "import os; print(open('/proc/%d/environ' % os.getppid(), 'rb').read())"
outcome = asyncio.run(run_process(
    [sys.executable, "-c", code], cwd=Path(sys.argv[1]), timeout_s=120,
    max_output_chars=100_000, sandbox=Sandbox(mode=sys.argv[2]),
))
print(json.dumps({"output": outcome.output, "returncode": outcome.returncode}))
"""


@pytest.mark.parametrize("mode", MODES)
def test_reading_the_parents_environment(mode: str, workspace: Path) -> None:
    secret = f"sk-canary-{uuid.uuid4().hex}"
    env = {**os.environ, "OPENAI_API_KEY": secret}
    done = subprocess.run(
        [sys.executable, "-c", _HOST, str(workspace), mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["returncode"] == 0, result["output"]
    # The child's own environment is scrubbed either way; its parent's is not.
    assert (secret in result["output"]) == (mode == "off")


def _processes_with(token: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if token.encode() in cmdline:
                found.append(int(entry))
    return found


async def _all_gone(token: str) -> bool:
    for _ in range(400):
        if not _processes_with(token):
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.parametrize("mode", MODES)
async def test_a_setsid_child_that_sleeps_forever(mode: str, workspace: Path) -> None:
    token = f"autobyteus-canary-{uuid.uuid4().hex}"
    source = (
        "import subprocess, sys\n"
        "def test_attack():\n"
        "    subprocess.Popen([sys.executable, '-c', 'import time, sys; time.sleep(10**6)',\n"
        f"                      {token!r}], start_new_session=True,\n"
        "                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    )
    try:
        outcome, verdict = await run_generated_test(workspace, source, _sandbox(mode))
        assert verdict.passed, outcome.output
        if mode == "bwrap":
            # The pid namespace ends with its first process and the kernel kills the rest; bwrap
            # reports the exit status as soon as it has it, so that may still be under way.
            assert await _all_gone(token), "the setsid child outlived the sandbox"
        else:
            assert _processes_with(token), "without the sandbox the setsid child escapes"
    finally:
        for pid in _processes_with(token):
            os.kill(pid, 9)


@pytest.mark.parametrize("mode", MODES)
async def test_filling_the_disk_is_stopped_by_the_file_size_limit(
    mode: str, workspace: Path
) -> None:
    source = (
        "def test_attack():\n"
        "    with open('big.bin', 'wb') as big:\n"
        "        for _ in range(64):\n"
        "            big.write(b'x' * 1024 * 1024)\n"
    )
    limits = ResourceLimits(file_size_mb=2)
    outcome, verdict = await run_generated_test(workspace, source, _sandbox(mode, limits=limits))
    # A resource limit, not the namespaces: it holds with the sandbox off too. Python ignores
    # SIGXFSZ, so the write fails with EFBIG instead of the process being killed.
    assert not verdict.passed
    assert "File too large" in outcome.output
    assert (workspace / "big.bin").stat().st_size <= 2 * 1024 * 1024


@needs_bwrap
async def test_filling_the_private_tmp_is_stopped_by_its_size(workspace: Path) -> None:
    source = (
        "import tempfile\n"
        "def test_attack():\n"
        "    with tempfile.TemporaryFile() as big:\n"
        "        for _ in range(64):\n"
        "            big.write(b'x' * 1024 * 1024)\n"
        "            big.flush()\n"
    )
    outcome, verdict = await run_generated_test(workspace, source, _sandbox("bwrap", tmp_mb=2))
    assert not verdict.passed
    assert "No space left on device" in outcome.output


async def test_a_fake_passed_line_without_pytests_report_fails(workspace: Path) -> None:
    source = (
        "import os\n"
        "def test_fails(capfd):\n"
        "    with capfd.disabled():\n"
        "        print('=================== 12 passed in 0.01s ===================', flush=True)\n"
        "    os._exit(0)\n"
    )
    outcome, verdict = await run_generated_test(workspace, source, _sandbox("off"))
    assert outcome.ok and "12 passed" in outcome.output  # exit status 0, and the fake line
    assert not verdict.passed
    assert verdict.problem is not None and "pytest wrote no report" in verdict.problem


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine where no bwrap is found (the probe then runs for real, and fails)."""
    from autobyteus_core.sandbox import policy

    monkeypatch.setattr(bwrap, "find_binary", lambda: None)
    monkeypatch.setattr(policy, "_warned", set())
    bwrap.probe.cache_clear()
    yield
    bwrap.probe.cache_clear()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the probe's Linux path")
def test_without_bubblewrap_bwrap_is_an_error_and_auto_says_once_what_is_left(
    no_bwrap: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from autobyteus_core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="sandbox = bwrap, but bubblewrap does not work"):
        Sandbox(mode="bwrap").isolation()
    first = Sandbox(mode="auto").isolation()
    second = Sandbox(mode="auto").isolation()
    assert first == second and first.kind == "none" and "no bwrap found" in first.reason
    said = capsys.readouterr().err
    assert said.count("generated code runs WITHOUT a sandbox") == 1
    assert "resource limits, a scrubbed environment and a process group only" in said


@needs_bwrap
async def test_control_folders_and_settings_files_stay_read_only(workspace: Path) -> None:
    guarded = [".autobyteus/runs/state.json", ".git/config", "autobyteus.toml", ".env"]
    for path in guarded:
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        (workspace / path).write_text("original")
    source = (
        "import pytest\n"
        f"@pytest.mark.parametrize('path', {guarded!r})\n"
        "def test_attack(path):\n"
        "    open(path, 'w').write('pwned')\n"
        "def test_the_workspace_itself_is_writable():\n"
        "    open('made_by_a_test.txt', 'w').write('fine')\n"
    )
    outcome, verdict = await run_generated_test(workspace, source, _sandbox("bwrap"))
    assert verdict.counts == "1 passed, 4 failed", outcome.output
    assert outcome.output.count("Read-only file system") >= 4
    assert all((workspace / path).read_text() == "original" for path in guarded)
    assert (workspace / "made_by_a_test.txt").read_text() == "fine"
