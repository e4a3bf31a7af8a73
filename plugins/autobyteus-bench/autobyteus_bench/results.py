"""A bench run's folder: ``bench.json`` (what was run) and ``results.jsonl`` (one line per
finished task and arm, appended as each finishes, so an interrupted run loses nothing done)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autobyteus_bench.suites import SuiteError

RESULTS = "results.jsonl"
META = "bench.json"
#: What must match for a rerun into the same folder to continue it.
_SAME_RUN = ("suite", "model", "workflow")


def task_slug(task_id: str) -> str:
    """A task id as a folder name (``HumanEval/3`` -> ``HumanEval-3``)."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in task_id)


def start_run(out: Path, meta: dict[str, Any]) -> None:
    """Create ``out`` for a run described by ``meta``; an existing one must be of the same
    suite, model and workflow (anything else would mix two measurements in one table)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / META
    if path.is_file():
        earlier = json.loads(path.read_text(encoding="utf-8"))
        differs = [k for k in _SAME_RUN if earlier.get(k) != meta.get(k)]
        if differs:
            what = ", ".join(f"{k} {earlier.get(k)!r} (now {meta.get(k)!r})" for k in differs)
            raise SuiteError(f"{out} holds another bench run: {what}; choose another --out")
        meta = {**earlier, **meta, "arms": sorted({*earlier.get("arms", []), *meta["arms"]})}
    path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def read_meta(out: Path) -> dict[str, Any]:
    """What the run in ``out`` was (empty when it has no ``bench.json``)."""
    path = out / META
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def read_results(out: Path) -> list[dict[str, Any]]:
    """Every finished record of ``out``; a line cut by a crash is left out, and a task
    recorded twice keeps its last record."""
    path = out / RESULTS
    if not path.is_file() and not (out / META).is_file():
        raise SuiteError(f"{out} is not a bench results folder (no {RESULTS})")
    records: dict[tuple[str, str], dict[str, Any]] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "task" in record and "arm" in record:
            records[(record["arm"], record["task"])] = record
    return list(records.values())


def append_result(out: Path, record: dict[str, Any]) -> None:
    """Append one finished record, flushed to disk before returning."""
    path = out / RESULTS
    with open(path, "a+b") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell():
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":  # a line cut by a crash ends here, not in our record
                handle.write(b"\n")
        handle.write((json.dumps(record, sort_keys=True) + "\n").encode())
        handle.flush()
        os.fsync(handle.fileno())


def adopt_records(source: Path, out: Path, arm: str, task_ids: Iterable[str]) -> int:
    """Append to ``out`` the ``arm`` records that ``source`` (an earlier run's folder, of the
    suite and model ``out`` runs) holds for ``task_ids`` and ``out`` lacks; returns how many.
    Each keeps its own ``code`` and run id (its workspace stays in ``source``)."""
    theirs, ours = read_meta(source), read_meta(out)
    differs = [k for k in ("suite", "model") if theirs.get(k) != ours.get(k)]
    if differs:
        what = ", ".join(f"{k} {theirs.get(k)!r} (this run: {ours.get(k)!r})" for k in differs)
        raise SuiteError(f"{source} holds another bench run: {what}")
    wanted = set(task_ids)
    present = {r["task"] for r in read_results(out) if r["arm"] == arm}
    taken = 0
    for record in read_results(source):
        if record["arm"] == arm and record["task"] in wanted and record["task"] not in present:
            append_result(out, record)
            taken += 1
    return taken
