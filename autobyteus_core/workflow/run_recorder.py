"""Keeps a run's :class:`RunState` and saves it: ``state.json`` after every LLM call and step,
``transcript.jsonl`` appended with every prompt, reply, file and error.

Saves are coalesced: concurrent calls finishing together share one write, made in a worker
thread so fsync does not stall the event loop, and a save never replaces a newer state with an
older one. Exchanges are serialised once, when recorded, so a save costs little more than the
size of the state.
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


class RunRecorder:
    """The single writer of one run's state and transcript."""

    def __init__(self, run: RunState) -> None:
        """Record into ``run``; nothing is written to disk until :meth:`attach`."""
        self.run = run
        self.run_dir: Path | None = None
        self._exchange_json = [e.model_dump_json() for e in run.exchanges]
        self._index = {(e.step, e.key): i for i, e in enumerate(run.exchanges)}
        self._pending: list[str] = []
        self._requested = 0
        self._written = 0
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._thread_lock = threading.Lock()

    def attach(self, run_dir: Path) -> None:
        """Persist to ``run_dir`` from now on."""
        self.run_dir = run_dir

    # -- recording ---------------------------------------------------------------------------

    def find_exchange(self, step: str, key: str) -> LLMExchange | None:
        """The recorded call ``key`` of step ``step``, if any."""
        index = self._index.get((step, key))
        return None if index is None else self.run.exchanges[index]

    def add_exchange(self, exchange: LLMExchange, transcript: dict[str, Any]) -> None:
        """Record a completed call (replacing an older one with the same step and key) and its
        transcript entry."""
        text = exchange.model_dump_json()
        index = self._index.get((exchange.step, exchange.key))
        if index is None:
            self._index[(exchange.step, exchange.key)] = len(self.run.exchanges)
            self.run.exchanges.append(exchange)
            self._exchange_json.append(text)
        else:
            self.run.exchanges[index] = exchange
            self._exchange_json[index] = text
        self.note(transcript)

    def note(self, entry: dict[str, Any]) -> None:
        """Queue one transcript line; it is written with the next save."""
        entry.setdefault("ts", time.time())
        entry.setdefault("run_id", self.run.run_id)
        self._pending.append(json.dumps(entry, ensure_ascii=False, default=str))

    # -- serialising and saving ----------------------------------------------------------------

    def to_json(self) -> str:
        """The whole run state as compact JSON (what ``state.json`` holds)."""
        try:
            head = self.run.model_dump_json(exclude={"exchanges"})
        except PydanticSerializationError as exc:
            raise WorkflowError(
                f"the run state cannot be saved: a step stored data that is not JSON ({exc})"
            ) from exc
        return head[:-1] + ',"exchanges":[' + ",".join(self._exchange_json) + "]}"

    async def save(self) -> None:
        """Write the state and pending transcript lines now (shared with concurrent saves)."""
        if self.run_dir is None:
            return
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        self._requested += 1
        ticket = self._requested
        async with self._lock:
            if self._written >= ticket:
                return
            ticket = self._requested
            text, lines = self._snapshot()
            await asyncio.to_thread(self._write, ticket, text, lines)

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
        return self.to_json(), lines

    def _write(self, ticket: int, text: str, lines: list[str]) -> None:
        assert self.run_dir is not None
        with self._thread_lock:
            RunStore.append_transcript(self.run_dir, lines)
            if ticket > self._written:
                RunStore.write_state(self.run_dir, text)
                self._written = ticket
