"""The loopback OpenAI-compatible server in a process of its own, for benchmarks of our overhead.

A real endpoint's work happens on another machine; the testing kit's server, run in the
measured process, shares its interpreter (and GIL) and adds its own CPU to what is measured. In a
child process (spawned: Ray's threads may already run here) it takes the other core instead. The
parent drives it over a pipe: script the replies of a run of ``count`` subtasks, set the latency,
count the completion requests.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import _synthetic_project as project
from autobyteus_openai.testing import OpenAIServer


def _serve(connection: Connection, models: list[str]) -> None:
    with OpenAIServer(models=models) as server:
        connection.send(server.url)
        while True:
            command, value = connection.recv()
            if command == "script":
                server.reset()
                project.script_server(server, value)
            elif command == "latency":
                server.latency_s = value
            elif command == "count":
                connection.send(len(server.completion_requests))
                continue
            else:
                return
            connection.send(None)


class InProcessServer:
    """The same interface over the server run in this process (its CPU counts as ours)."""

    def __init__(self, models: list[str]) -> None:
        self._server = OpenAIServer(models=models)
        self.url = ""

    def __enter__(self) -> InProcessServer:
        self.url = self._server.__enter__().url
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.__exit__(kind, error, tb)

    def script(self, count: int) -> None:
        """Forget earlier requests and rules; answer every prompt of a run of ``count`` subtasks."""
        self._server.reset()
        project.script_server(self._server, count)

    def set_latency(self, seconds: float) -> None:
        """Wait ``seconds`` before every reply."""
        self._server.latency_s = seconds

    def completion_requests(self) -> int:
        """How many completion requests the server has had since the last :meth:`script`."""
        return len(self._server.completion_requests)


class ServerProcess:
    """``with ServerProcess(models) as server:`` the server runs in a child process."""

    def __init__(self, models: list[str]) -> None:
        self._models = models
        self._connection: Connection | None = None
        self._process: Any = None
        self.url = ""

    def __enter__(self) -> ServerProcess:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self._models), daemon=True)
        self._process.start()
        self._connection = parent
        self.url = parent.recv()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._connection is not None:
            self._connection.send(("stop", None))
        self._process.join(timeout=10)

    def _ask(self, command: str, value: Any = None) -> Any:
        assert self._connection is not None, "use the server inside `with`"
        self._connection.send((command, value))
        return self._connection.recv()

    def script(self, count: int) -> None:
        """Forget earlier requests and rules; answer every prompt of a run of ``count`` subtasks."""
        self._ask("script", count)

    def set_latency(self, seconds: float) -> None:
        """Wait ``seconds`` before every reply."""
        self._ask("latency", seconds)

    def completion_requests(self) -> int:
        """How many completion requests the server has had since the last :meth:`script`."""
        return int(self._ask("count"))
