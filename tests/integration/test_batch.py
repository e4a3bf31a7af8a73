"""``autobyteus batch`` with the local executor, in real processes: a batch of 20 scripted
items (two failing, one with a requirement file that is not UTF-8), ``batch status``, and a
batch stopped with Ctrl-C mid-way then run again: finished items are skipped, interrupted ones
resume, and the scripted provider's call log shows no answered call served twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from autobyteus_core.testing.batch_kit import CALLS_PER_ITEM, make_batch

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uses POSIX signals")


def test_a_batch_of_20_reports_every_item_and_status_agrees(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    out = tmp_path / "out"
    done = subprocess.run(
        batch.run_command(out, "--jobs", "6"),
        env=batch.env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr  # two failed, one could not start
    assert "Traceback" not in done.stdout + done.stderr
    assert "20/20 done (17 succeeded, 2 failed, 1 errors, 0 stopped, 0 skipped)" in done.stdout
    assert "] item-07 error (0 tokens, 0.0s): requirement file " in done.stderr  # a clear line
    batch.check_complete(out)
    assert len(batch.served()) == 19 * CALLS_PER_ITEM  # every good item once, all its calls

    status = subprocess.run(
        batch.command("batch", "status", str(out), "--json"),
        env=batch.env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    report = json.loads(status.stdout)
    assert report["counts"] == {"succeeded": 17, "failed": 2, "error": 1}
    assert [row["id"] for row in report["items"]] == batch.item_ids
    table = subprocess.run(
        batch.command("batch", "status", str(out)),
        env=batch.env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "20 items: 1 error, 2 failed, 17 succeeded" in table.stdout

    # A rerun skips what finished and tries only the item that could not start.
    again = subprocess.run(
        batch.run_command(out), env=batch.env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 1, again.stdout + again.stderr
    assert "19 skipped" in again.stdout
    assert len(batch.served()) == 17 * CALLS_PER_ITEM + 2 * CALLS_PER_ITEM  # nothing new asked


def test_ctrl_c_mid_batch_then_a_rerun_resumes_without_paying_twice(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, hold_once=(5,), delay_s=0.05)
    out = tmp_path / "out"
    process = subprocess.Popen(
        batch.run_command(out, "--jobs", "4"),
        env=batch.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        # Wait until some items finished and item-05 waits half-way (two calls recorded).
        while not (
            sum(1 for r in batch.results(out) if r["status"] == "succeeded") >= 2
            and (out / "item-05" / "held-once").exists()
        ):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the batch made no progress"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 3, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "Cancelling: saving the batch" in stderr and "Run the same command again" in stderr

    first = batch.latest(out)
    finished_first = {i for i, r in first.items() if r["status"] in ("succeeded", "failed")}
    stopped = {i: r for i, r in first.items() if r["status"] == "stopped"}
    assert finished_first and stopped, first
    assert all(r["stop_reason"] is None or r["run_status"] == "cancelled" for r in stopped.values())
    paid_before = {i: r["usage"]["calls"] for i, r in stopped.items()}
    assert paid_before["item-05"] == 2  # cancelled half-way: its two calls are kept
    served_first = len(batch.served())
    lines_first = len(batch.results(out))

    rerun = subprocess.run(
        batch.run_command(out, "--jobs", "4"),
        env=batch.env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert rerun.returncode == 1, rerun.stdout + rerun.stderr
    assert f"{len(finished_first)} skipped" in rerun.stdout
    lines_after = batch.results(out)[lines_first:]
    assert not {line["id"] for line in lines_after} & finished_first  # finished: not rerun
    latest = batch.check_complete(out)
    for item_id, calls in paid_before.items():
        resumed = latest[item_id]
        assert resumed["run_id"] == first[item_id]["run_id"]
        if item_id not in batch.bad:  # it resumed its run: only the rest was paid for
            assert resumed["spent"]["calls"] == CALLS_PER_ITEM - calls
    assert len(batch.served()) - served_first == sum(
        r["spent"]["calls"] for r in lines_after if r["status"] != "error"
    )
