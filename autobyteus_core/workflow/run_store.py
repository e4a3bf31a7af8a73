"""Where runs live: ``<workspace>/.autobyteus/runs/<run-id>/`` with ``state.json`` (replaced
atomically) and ``transcript.jsonl`` (append-only: every prompt, raw reply, usage, latency,
file written and step error)."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from autobyteus_core.llm.usage import Usage
from autobyteus_core.secret_masking import mask_secrets
from autobyteus_core.workflow.errors import WorkflowError
from autobyteus_core.workflow.llm_exchange import LLMExchange
from autobyteus_core.workflow.run_state import RunState
from autobyteus_core.workspace.atomic_write import atomic_write_bytes, write_all

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

    @staticmethod
    def write_state(run_dir: Path, text: str) -> None:
        """Replace ``state.json`` atomically (temporary file, fsync, rename)."""
        atomic_write_bytes(run_dir / STATE_FILE, mask_secrets(text).encode("utf-8"))

    @staticmethod
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
