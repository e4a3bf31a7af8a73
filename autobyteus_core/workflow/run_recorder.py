"""Keeps a run's :class:`RunState` and saves it: ``state.json`` after every LLM call and step,
``transcript.jsonl`` appended with every prompt, reply, file and error.

The transcript is the record of LLM exchanges: each ``llm_call`` line holds everything needed to
replay the call, so ``state.json`` leaves the exchanges out and stays small (no save rewrites
every reply of the run). The transcript lines are always written before the state that follows
them. Once the run has a folder, each transcript line is appended to the file as it is recorded,
before the caller gets the reply, so a process killed at any moment loses at most the call in flight
and resume re-issues nothing that completed. ``state.json`` is rewritten by one background task, in
a worker thread so fsync does not stall the event loop; every change made while a save is being
written goes into the next one, and a save never replaces a newer state with an older one.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

from pydantic_core import PydanticSerializationError

from autobyteus_core.workflow.errors import WorkflowError
from autobyteus_core.workflow.llm_exchange import LLMExchange
from autobyteus_core.workflow.run_state import RunState
from autobyteus_core.workflow.run_store import RunStore
from autobyteus_core.workspace.written_file import WrittenFile


class RunRecorder:
    """The single writer of one run's state and transcript."""

    def __init__(self, run: RunState) -> None:
        """Record into ``run``; nothing is written to disk until :meth:`attach`."""
        self.run = run
        self.run_dir: Path | None = None
        self._file_json = [f.model_dump_json() for f in run.files]
        self._index = {(e.step, e.key): i for i, e in enumerate(run.exchanges)}
        self._answers = {e.fingerprint: e for e in run.exchanges}
        self._pending: list[str] = []
        self._requested = 0
        self._written = 0
        self._saver: asyncio.Task[None] | None = None
        self._saver_loop: asyncio.AbstractEventLoop | None = None
        self._error: Exception | None = None
        self._thread_lock = threading.Lock()
        self._transcript_lock = threading.Lock()

    def attach(self, run_dir: Path) -> None:
        """Persist to ``run_dir`` from now on."""
        self.run_dir = run_dir

    # -- recording ---------------------------------------------------------------------------

    def find_exchange(self, step: str, key: str) -> LLMExchange | None:
        """The recorded call ``key`` of step ``step``, if any."""
        index = self._index.get((step, key))
        return None if index is None else self.run.exchanges[index]

    def find_answer(self, fingerprint: str) -> LLMExchange | None:
        """A recorded call of this run, under any step and key, whose prompt had ``fingerprint``."""
        return self._answers.get(fingerprint)

    def add_exchange(self, exchange: LLMExchange, transcript: dict[str, Any]) -> None:
        """Record a completed call (replacing an older one with the same step and key) and its
        transcript entry."""
        self._answers.setdefault(exchange.fingerprint, exchange)
        index = self._index.get((exchange.step, exchange.key))
        if index is None:
            self._index[(exchange.step, exchange.key)] = len(self.run.exchanges)
            self.run.exchanges.append(exchange)
        else:
            self.run.exchanges[index] = exchange
        self.note({**transcript, "ts": exchange.timestamp})

    def add_file(self, written: WrittenFile, step: str) -> None:
        """Record a file the safe writer wrote for ``step``."""
        self.run.files.append(written)
        self._file_json.append(written.model_dump_json())
        self.note({"type": "file_written", "step": step, **written.model_dump()})

    def note(self, entry: dict[str, Any]) -> None:
        """Record one transcript line: appended to ``transcript.jsonl`` at once when the run has
        a folder (lines noted before that are written with the first save)."""
        entry.setdefault("ts", time.time())
        entry.setdefault("run_id", self.run.run_id)
        line = json.dumps(entry, ensure_ascii=False, default=str)
        if self.run_dir is None:
            self._pending.append(line)
            return
        try:
            with self._transcript_lock:
                RunStore.append_transcript(self.run_dir, [*self._pending, line])
        except OSError as exc:
            raise WorkflowError(f"cannot save the run: {exc}") from exc
        self._pending = []

    # -- serialising and saving ----------------------------------------------------------------

    def to_json(self, *, exchanges: bool = True) -> str:
        """The whole run state as compact JSON; ``state.json`` is this without the exchanges.

        Files are serialised once, when recorded, and spliced into every save; exchanges, which
        ``state.json`` leaves out, only when asked for (their JSON would double the memory a run
        keeps per call).
        """
        try:
            head = self.run.model_dump_json(exclude={"exchanges", "files"})
        except PydanticSerializationError as exc:
            raise WorkflowError(
                f"the run state cannot be saved: a step stored data that is not JSON ({exc})"
            ) from exc
        calls = ",".join(e.model_dump_json() for e in self.run.exchanges) if exchanges else ""
        files = ",".join(self._file_json)
        return f'{head[:-1]},"files":[{files}],"exchanges":[{calls}]}}'

    def mark(self) -> int:
        """Note that the state changed and have it saved soon by the background saver (which
        writes in a worker thread, coalescing every change made meanwhile). Returns a ticket for
        :meth:`wait_saved`."""
        self._requested += 1
        self._kick()
        return self._requested

    def _kick(self) -> None:
        """Start the background saver unless it is running on this loop."""
        if self.run_dir is None:
            return
        loop = asyncio.get_running_loop()
        if self._saver is None or self._saver.done() or self._saver_loop is not loop:
            self._saver = loop.create_task(self._save_loop())
            self._saver_loop = loop

    @property
    def backlog(self) -> int:
        """Changes noted but not on disk yet."""
        return self._requested - self._written if self.run_dir is not None else 0

    async def save(self) -> None:
        """Save now: return once everything recorded so far is on disk."""
        await self.wait_saved(self.mark())

    async def wait_saved(self, ticket: int) -> None:
        """Wait until the change with ``ticket`` is on disk; re-raise a failed save."""
        while self._written < ticket and self._saver is not None:
            await asyncio.shield(self._saver)
            if self._error is not None:
                error, self._error = self._error, None
                raise WorkflowError(f"cannot save the run: {error}") from error
            self._kick()

    async def _save_loop(self) -> None:
        try:
            while self._written < self._requested:
                ticket = self._requested
                text, lines = self._snapshot()
                await asyncio.to_thread(self._write, ticket, text, lines)
        except Exception as exc:
            self._error = exc

    def save_now(self) -> None:
        """Synchronous :meth:`save`, for code outside the event loop."""
        if self.run_dir is None:
            return
        self._requested += 1
        text, lines = self._snapshot()
        self._write(self._requested, text, lines)

    def _snapshot(self) -> tuple[str, list[str]]:
        self.run.updated_at = time.time()
        lines, self._pending = self._pending, []
        return self.to_json(exchanges=False), lines

    def _write(self, ticket: int, text: str, lines: list[str]) -> None:
        assert self.run_dir is not None
        with self._transcript_lock:
            RunStore.append_transcript(self.run_dir, lines)
        with self._thread_lock:
            if ticket > self._written:
                RunStore.write_state(self.run_dir, text)
                self._written = ticket
