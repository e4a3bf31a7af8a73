"""Running generated code in a subprocess: in the sandbox (:mod:`sandbox.policy`),
its own process group, a timeout that kills the whole group, and output captured up to a cap.

Generated code is untrusted: it runs with stdin closed, in a fresh session (POSIX) or process
group (Windows), with an environment stripped of credentials and resource limits set, and every
process it started is killed when the run ends or times out — a test that spawns a server and
forgets it cannot outlive the step. Where bubblewrap works it also runs in a sandbox of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from autobyteus_core.sandbox import bwrap
from autobyteus_core.sandbox.policy import Isolation, Sandbox

#: What a signal means when the sandbox's resource limits raise it.
_SIGNAL_MEANINGS = {
    "SIGXFSZ": " (a file grew past the sandbox's file size limit)",
    "SIGXCPU": " (it used up the sandbox's CPU time limit)",
}
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH", re.IGNORECASE)
#: After the process exits (or is killed), how long to wait for the last output.
_DRAIN_S = 5.0


@dataclass(frozen=True)
class ProcessOutcome:
    """What a subprocess did: exit code (None when killed by the timeout), output (stdout and
    stderr interleaved, possibly cut in the middle), and whether it timed out."""

    argv: tuple[str, ...]
    returncode: int | None
    output: str
    timed_out: bool
    dropped_chars: int
    duration_s: float
    isolation: Isolation | None = None

    @property
    def ok(self) -> bool:
        """Exited by itself with status 0."""
        return not self.timed_out and self.returncode == 0

    @property
    def signal_name(self) -> str | None:
        """The signal that killed the process (bwrap reports it as 128 + its number)."""
        code = self.returncode
        if code is not None and code > 128 and self.isolation and self.isolation.kind == "bwrap":
            code = 128 - code
        if code is None or code >= 0:
            return None
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"

    def ending(self) -> str:
        """How it ended, for people: a timeout, a signal (and the limit it means), or a status."""
        if self.timed_out:
            return "timed out and was stopped"
        name = self.signal_name
        if name is None:
            return f"exited with status {self.returncode}"
        meaning = _SIGNAL_MEANINGS.get(name, "")
        return f"was killed by {name}{meaning}"


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without credentials or autobyteus settings, plus ``extra``.

    Generated code must not see API keys; ``PYTHONDONTWRITEBYTECODE`` keeps ``__pycache__``
    folders out of the workspace.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not _SECRET_NAME.search(name) and not name.startswith("AUTOBYTEUS_")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPATH", None)
    env.update(extra or {})
    return env


class _CappedBuffer:
    """Keeps the first and last ``limit // 2`` bytes of a stream and counts what it drops."""

    def __init__(self, limit: int) -> None:
        self.half = max(limit // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        excess = len(self.tail) - self.half
        if excess > 0:
            del self.tail[:excess]
            self.dropped += excess

    def text(self) -> str:
        head = self.head.decode("utf-8", "replace")
        tail = self.tail.decode("utf-8", "replace")
        if not self.dropped:
            return head + tail
        return f"{head}\n[... {self.dropped} bytes of output cut ...]\n{tail}"


def _kill_group(transport: asyncio.SubprocessTransport) -> None:
    """Kill the process and every process in its group (they share its id on POSIX).

    ``transport.kill()`` is only the fallback: on POSIX it polls the process first, which can
    reap it behind the event loop's child watcher (which then logs an unknown child).
    """
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(transport.get_pid(), signal.SIGKILL)
            return
    with contextlib.suppress(ProcessLookupError):
        transport.kill()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Capture(asyncio.SubprocessProtocol):
    """Collects the process's output into a buffer and tells apart two moments: the process
    exited, and its output pipe closed.

    They differ when a process it started still holds the inherited pipe open; waiting for the
    pipe (as ``asyncio.subprocess.Process.wait`` does) would wait for that leftover too.
    """

    def __init__(self, buffer: _CappedBuffer, loop: asyncio.AbstractEventLoop) -> None:
        self.buffer = buffer
        self.exited: asyncio.Future[None] = loop.create_future()
        self.output_closed: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.buffer.add(data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        _settle(self.output_closed)

    def process_exited(self) -> None:
        _settle(self.exited)


async def _start(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    buffer: _CappedBuffer,
    preexec: Callable[[], None] | None,
) -> tuple[asyncio.SubprocessTransport, _Capture]:
    """Start ``argv`` with stdin closed, stdout and stderr into one pipe, in a new group."""
    kwargs: dict[str, object] = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
        if preexec is not None:
            kwargs["preexec_fn"] = preexec
    else:  # pragma: no cover - Windows
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    return await loop.subprocess_exec(
        lambda: _Capture(buffer, loop),
        *argv,
        cwd=str(cwd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(env),
        **kwargs,  # type: ignore[arg-type]
    )


async def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout_s: float,
    max_output_chars: int,
    env: Mapping[str, str] | None = None,
    sandbox: Sandbox | None = None,
    workspace: Path | None = None,
    writable: Sequence[Path] = (),
    readable: Sequence[Path] = (),
) -> ProcessOutcome:
    """Run ``argv`` in ``cwd`` in a new process group and wait at most ``timeout_s`` seconds.

    It runs in ``sandbox`` (default: ``auto`` with the default limits), where ``workspace`` (default
    ``cwd``) and ``writable`` are the only writable folders besides a private ``/tmp``, and
    ``readable`` folders (another interpreter's) stay visible, read-only. ``sandbox = bwrap`` where
    bubblewrap does not work raises :class:`ConfigurationError`.

    The run ends when the main process exits, even if processes it started still hold its
    output open. On timeout — or if the caller is cancelled — the whole group is killed.
    Whatever happens, processes left behind in the group after the main one exits are killed
    too, and the output they might still write is waited for at most ``_DRAIN_S`` seconds.
    """
    isolation = await asyncio.to_thread((sandbox or Sandbox()).isolation)
    launched = list(argv)
    if isolation.kind == "bwrap" and isolation.binary:
        launched = bwrap.command(
            isolation.binary,
            argv,
            workspace=workspace or cwd,
            cwd=cwd,
            network=isolation.network,
            tmp_mb=isolation.tmp_mb,
            writable=writable,
            readable=readable,
        )
    started = time.monotonic()
    buffer = _CappedBuffer(max_output_chars)
    transport, capture = await _start(
        launched,
        cwd,
        env if env is not None else child_environment(),
        buffer,
        isolation.limits.preexec(),
    )
    timed_out = False
    try:
        try:
            await asyncio.wait_for(asyncio.shield(capture.exited), timeout_s)
        except asyncio.TimeoutError:
            timed_out = True
        _kill_group(transport)
        await capture.exited
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(capture.output_closed), _DRAIN_S)
    except BaseException:
        _kill_group(transport)
        raise
    finally:
        transport.close()
    return ProcessOutcome(
        argv=tuple(argv),
        returncode=None if timed_out else transport.get_returncode(),
        output=buffer.text(),
        timed_out=timed_out,
        dropped_chars=buffer.dropped,
        duration_s=time.monotonic() - started,
        isolation=isolation,
    )
