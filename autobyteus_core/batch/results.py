"""``<out>/results.jsonl`` (one line per item as it ends, the last line of an id wins) and
``<out>/batch.json`` (the items of the batch, for ``autobyteus batch status``)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autobyteus_core.batch.item import ItemResult

if TYPE_CHECKING:
    from autobyteus_core.workflow.run_record import RunState

RESULTS_FILE = "results.jsonl"
BATCH_FILE = "batch.json"


class ResultsLog:
    """Appends result lines (thread-safe, each flushed to disk before the next) and reads
    them back."""

    def __init__(self, out: Path) -> None:
        """The results of the batch whose output folder is ``out``."""
        self.path = out / RESULTS_FILE
        self._lock = threading.Lock()

    def append(self, result: ItemResult) -> None:
        """Write ``result`` as one line, synced to disk."""
        line = json.dumps(result.to_json(), sort_keys=True) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())

    def latest(self) -> dict[str, dict[str, Any]]:
        """The last line of every item id (a line cut short by a crash is ignored)."""
        found: dict[str, dict[str, Any]] = {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return found
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                found[entry["id"]] = entry
        return found


def write_batch_file(out: Path, data: dict[str, Any]) -> None:
    """Replace ``batch.json`` atomically."""
    from autobyteus_core.workspace.atomic_write import atomic_write_bytes

    atomic_write_bytes(out / BATCH_FILE, json.dumps(data, indent=2).encode())


def read_batch_file(out: Path) -> dict[str, Any] | None:
    """``batch.json``, or None when the folder holds no batch."""
    try:
        data = json.loads((out / BATCH_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def stored_run(workspace: str | None, run_id: str | None) -> RunState | None:
    """The saved state of run ``run_id`` in ``workspace`` (saved after every LLM call), or None
    when there is none or it cannot be read."""
    import contextlib

    from autobyteus_core.errors import AutobyteusError
    from autobyteus_core.workflow.run_journal import STATE_FILE, RunStore
    from autobyteus_core.workflow.run_record import RunState

    if not workspace or not run_id:
        return None
    store = RunStore(Path(workspace))
    if not (store.run_dir(run_id) / STATE_FILE).is_file():
        return None
    with contextlib.suppress(AutobyteusError, ValueError, OSError):
        return RunState.model_validate_json(store.read_state(run_id))
    return None
