"""The run folder, ``<workspace>/.autobyteus/runs/<run-id>/``, and its one writer.

A run's folder holds ``state.json`` (replaced atomically) and ``transcript.jsonl``
(append-only: every prompt, raw reply, usage, latency, file written and step error).
:class:`RunStore` finds and reads the runs of a workspace; :class:`RunJournal` keeps one run's
:class:`RunState` and is the only code that writes its files: ``state.json`` after every
LLM call and step, ``transcript.jsonl`` appended with every prompt, reply, file and error.

The transcript is the record of LLM exchanges: each ``llm_call`` line holds everything needed to
replay the call, so ``state.json`` leaves the exchanges out and stays small (no save rewrites
every reply of the run). The transcript lines are always written before the state that follows
them. Once the run has a folder, each transcript line is appended to the file as it is recorded,
before the caller gets the reply, so a process killed at any moment loses at most the call in flight
and resume re-issues nothing that completed. ``state.json`` is rewritten by one background task, in
a worker thread so fsync does not stall the event loop; every change made while a save is being
written goes into the next one, and a save never replaces a newer state with an older one.
Only the run's start (the pid it records keeps a second process off the run), its end and a
step stopped by a pause, a cancel or the budget wait for the write (:meth:`RunJournal.save`);
the saves after each call, a step's start and normal end and a finished unit are left to the
saver (:meth:`RunJournal.save_soon`), whose failure the next save asked for raises.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from autobyteus_core.llm.usage import Usage
from autobyteus_core.secret_masking import mask_secrets
from autobyteus_core.workflow.errors import WorkflowError
from autobyteus_core.workflow.run_record import LLMExchange, RunState
from autobyteus_core.workspace.atomic_write import atomic_write_bytes, write_all
from autobyteus_core.workspace.written_file import WrittenFile

CONTROL_DIR = ".autobyteus"
STATE_FILE = "state.json"
TRANSCRIPT_FILE = "transcript.jsonl"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class RunStore:
    """The runs of one workspace."""

    def __init__(self, workspace_root: Path | str) -> None:
        """The store under ``workspace_root/.autobyteus/runs``."""
        self.workspace_root = Path(workspace_root)
        self.runs_dir = self.workspace_root / CONTROL_DIR / "runs"

    @staticmethod
    def new_run_id() -> str:
        """A new id that sorts by creation time, e.g. ``20250131-142501-3fa9c2``."""
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)

    def run_dir(self, run_id: str) -> Path:
        """The folder of ``run_id`` (which must be a plain name, not a path)."""
        if not _RUN_ID.match(run_id) or ".." in run_id:
            raise WorkflowError(f"invalid run id {run_id!r}")
        return self.runs_dir / run_id

    def create(self, run_id: str) -> Path:
        """Create the folder of a run (and ``.autobyteus/.gitignore`` so git ignores runs)."""
        run_dir = self.run_dir(run_id)
        run_dir.mkdir(parents=True, exist_ok=True)
        ignore = self.workspace_root / CONTROL_DIR / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# autobyteus run store\n*\n", encoding="utf-8")
        return run_dir

    def run_ids(self) -> list[str]:
        """Every run id with a saved state, oldest first."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(p.parent.name for p in self.runs_dir.glob(f"*/{STATE_FILE}"))

    def resolve_id(self, run_id: str) -> str:
        """``run_id`` itself, or the one run whose id starts with it; ``last`` is the newest."""
        ids = self.run_ids()
        if run_id in ids:
            return run_id
        if run_id == "last" and ids:
            return ids[-1]
        matches = [i for i in ids if i.startswith(run_id)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise WorkflowError(f"run id {run_id!r} is ambiguous: {', '.join(matches)}")
        raise WorkflowError(
            f"no run {run_id!r} in {self.workspace_root}; `autobyteus runs` lists the runs there"
        )

    def read_state(self, run_id: str) -> str:
        """The text of the run's ``state.json``."""
        path = self.run_dir(self.resolve_id(run_id)) / STATE_FILE
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise WorkflowError(f"cannot read {path}: {exc.strerror or exc}") from exc

    def load(self, run_id: str) -> RunState:
        """The saved run: ``state.json`` with its LLM exchanges read back from the transcript
        (the last record of each step and key wins; a line cut short by a crash is ignored)."""
        run_id = self.resolve_id(run_id)
        try:
            run = RunState.model_validate_json(self.read_state(run_id))
        except ValidationError as exc:
            raise WorkflowError(f"run {run_id} has an unreadable state.json: {exc}") from exc
        exchanges: dict[tuple[str, str], LLMExchange] = {}
        paid: list[LLMExchange] = []
        for entry in self.transcript(run_id):
            if entry.get("type") != "llm_call":
                continue
            try:
                exchange = LLMExchange.model_validate({**entry, "timestamp": entry.get("ts", 0.0)})
            except ValidationError:
                continue
            paid.append(exchange)
            exchanges.pop((exchange.step, exchange.key), None)
            exchanges[(exchange.step, exchange.key)] = exchange
        run.exchanges = list(exchanges.values())
        _recount_usage(run, paid)
        return run

    def transcript(self, run_id: str) -> Iterator[dict[str, Any]]:
        """The entries of the run's ``transcript.jsonl``, oldest first."""
        path = self.run_dir(self.resolve_id(run_id)) / TRANSCRIPT_FILE
        if not path.is_file():
            return
        with path.open("rb") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # the last line of a killed process may be cut short
                if isinstance(entry, dict):
                    yield entry


class RunJournal:
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
        """Record a file the safe writer wrote for ``step``: the one record of a write.

        ``state.files_written`` and the ``files`` of the step and the steps containing it are
        views of it, kept up to date here (steps read them without scanning every write).
        """
        self.run.files.append(written)
        self._file_json.append(written.model_dump_json())
        self.note({"type": "file_written", "step": step, **written.model_dump()})
        if written.path not in self.run.state.files_written:
            self.run.state.files_written.append(written.path)
        parts = step.split("/")
        for depth in range(1, len(parts) + 1):
            record = self.run.steps.get("/".join(parts[:depth]))
            if record is not None and written.path not in record.files:
                record.files.append(written.path)

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
                append_transcript(self.run_dir, [*self._pending, line])
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

    def save_soon(self) -> int:
        """Have everything recorded so far saved by the background saver, without waiting for
        it (a ticket for :meth:`wait_saved`); re-raises a save that failed since the last
        wait."""
        self._raise_failed()
        return self.mark()

    async def wait_saved(self, ticket: int) -> None:
        """Wait until the change with ``ticket`` is on disk; re-raise a failed save."""
        while self._written < ticket and self._saver is not None:
            await asyncio.shield(self._saver)
            self._raise_failed()
            self._kick()

    def _raise_failed(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise WorkflowError(f"cannot save the run: {error}") from error

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
            append_transcript(self.run_dir, lines)
        with self._thread_lock:
            if ticket > self._written:
                write_state(self.run_dir, text)
                self._written = ticket


#: The 1.x name of :class:`RunJournal`.
RunRecorder = RunJournal


def write_state(run_dir: Path, text: str) -> None:
    """Replace ``state.json`` atomically (temporary file, fsync, rename)."""
    atomic_write_bytes(run_dir / STATE_FILE, mask_secrets(text).encode("utf-8"))


def append_transcript(run_dir: Path, lines: Iterable[str]) -> None:
    """Append JSON lines to ``transcript.jsonl`` (written through to the OS, so they survive
    the process being killed; ``state.json`` is the file that is fsynced)."""
    # Masked once for the whole batch: the known secrets are gathered per call.
    payload = mask_secrets("".join(line + "\n" for line in lines)).encode("utf-8")
    if not payload:
        return
    fd = os.open(run_dir / TRANSCRIPT_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        write_all(fd, payload)
    finally:
        os.close(fd)


def _recount_usage(run: RunState, paid: list[LLMExchange]) -> None:
    """Set the run's and each step's usage from every call the transcript records as paid.

    The transcript is written before each reply is used, ``state.json`` a moment later, so after
    a crash the transcript is the complete account: a call recorded there is counted even when
    the last ``state.json`` predates it."""
    if not paid:
        return
    run.usage = Usage()
    for record in run.steps.values():
        record.usage = Usage()
    for exchange in paid:
        run.add_usage(exchange.step, exchange.usage)
