"""``autobyteus bench`` through the real executable: the plugin's entry point is found, and a
run with the file-backed scripted model writes results that ``report`` and ``compare`` read."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from autobyteus_bench.results import RESULTS
from bench_testkit.harness import adder_replies, autobyteus


def test_bench_help_lists_its_commands(tmp_path: Path) -> None:
    top = autobyteus("--help", cwd=tmp_path)
    assert top.returncode == 0, top.stderr
    assert "bench" in top.stdout
    proc = autobyteus("bench", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for command in ("run", "report", "compare", "tasks"):
        assert f"  {command} " in proc.stdout


def test_a_run_through_the_cli_then_report_and_compare(
    suite: Path, settings_file: Path, tmp_path: Path
) -> None:
    replies = adder_replies(tmp_path / "replies.json")
    out = tmp_path / "out"
    args = ["bench", "run", str(suite), "--model", f"scripted:{replies}", "--tasks", "adder",
            "--settings", str(settings_file), "--out", str(out), "--baseline", "direct"]  # fmt: skip

    proc = autobyteus(*args, cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in (out / RESULTS).read_text().splitlines()]
    assert sorted((r["arm"], r["hidden_passed"]) for r in records) == [
        ("direct", True),
        ("workflow", True),
    ]
    assert "| workflow | 1 | 1/1 (100.0%) |" in proc.stdout
    assert "[1/2] " in proc.stderr  # plain progress lines: stderr is not a terminal

    again = autobyteus(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "2 finished task run(s)" in again.stderr

    report = autobyteus("bench", "report", str(out), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "| direct | 1 | 1/1 (100.0%) |" in report.stdout
    compare = autobyteus("bench", "compare", str(out), str(out), cwd=tmp_path)
    assert compare.returncode == 0, compare.stderr
    assert "No task flipped." in compare.stdout

    record = next(r for r in records if r["arm"] == "workflow")
    shown = autobyteus("show", record["run_id"], "--workspace", record["workspace"], cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr


def test_a_run_can_take_its_baseline_from_an_earlier_run(
    suite: Path, settings_file: Path, tmp_path: Path
) -> None:
    replies = adder_replies(tmp_path / "replies.json")
    common = ["bench", "run", str(suite), "--model", f"scripted:{replies}", "--tasks", "adder",
              "--settings", str(settings_file)]  # fmt: skip
    first = autobyteus(*common, "--out", str(tmp_path / "a"), "--baseline", "direct", cwd=tmp_path)
    assert first.returncode == 0, first.stderr

    later = autobyteus(*common, "--out", str(tmp_path / "b"), "--baseline-from",
                       str(tmp_path / "a"), cwd=tmp_path)  # fmt: skip

    assert later.returncode == 0, later.stderr
    assert f"1 direct record(s) taken from {tmp_path / 'a'}." in later.stderr
    before = {r["arm"]: r for r in map(json.loads, (tmp_path / "a" / RESULTS).open())}
    after = {r["arm"]: r for r in map(json.loads, (tmp_path / "b" / RESULTS).open())}
    assert after["direct"] == before["direct"]  # taken, not answered again
    assert after["workflow"]["run_id"] != before["workflow"]["run_id"]
    assert "| direct | 1 | 1/1 (100.0%) |" in later.stdout

    shutil.copyfile(replies, tmp_path / "other.json")  # another model id, same replies
    other = autobyteus("bench", "run", str(suite), "--model", "scripted:other.json", "--out",
                       str(tmp_path / "c"), "--baseline-from", str(tmp_path / "a"),
                       cwd=tmp_path)  # fmt: skip
    assert other.returncode == 2
    assert "holds another bench run: model" in other.stderr and "Traceback" not in other.stderr


def test_bad_input_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    unknown = autobyteus("bench", "run", "no-such-suite", "--model", "scripted:x.json",
                         cwd=tmp_path)  # fmt: skip
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("Error: unknown suite 'no-such-suite'")
    assert "Traceback" not in unknown.stderr
    (tmp_path / "empty").mkdir()
    report = autobyteus("bench", "report", str(tmp_path / "empty"), cwd=tmp_path)
    assert report.returncode == 2
    assert "not a bench results folder" in report.stderr


def test_executor_options_are_checked_before_anything_runs(suite: Path, tmp_path: Path) -> None:
    replies = adder_replies(tmp_path / "replies.json")
    base = ["bench", "run", str(suite), "--model", f"scripted:{replies}", "--out",
            str(tmp_path / "out")]  # fmt: skip
    unknown = autobyteus(*base, "--executor", "nowhere", cwd=tmp_path)
    assert unknown.returncode == 2, unknown.stderr
    assert "nowhere" in unknown.stderr and "local" in unknown.stderr
    address = autobyteus(*base, "--address", "10.0.0.1:6379", cwd=tmp_path)
    assert address.returncode == 2, address.stderr
    assert "the local executor takes no --address" in address.stderr
    assert "Traceback" not in unknown.stderr + address.stderr
    assert not (tmp_path / "out" / RESULTS).exists()


def test_sigterm_stops_a_run_that_a_rerun_then_finishes(
    suite: Path, settings_file: Path, tmp_path: Path
) -> None:
    for copy in ("adder2", "adder3"):
        shutil.copytree(suite / "adder", suite / copy)
    replies = adder_replies(tmp_path / "replies.json")
    out = tmp_path / "out"
    args = ["bench", "run", str(suite), "--model", f"scripted:{replies}", "--settings",
            str(settings_file), "--out", str(out), "--tasks", "adder,adder2,adder3"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOBYTEUS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "autobyteus_core.cli", *args], cwd=tmp_path,
        env={**env, "AUTOBYTEUS_SCRIPTED_DELAY": "1", "AUTOBYTEUS_LOG_LEVEL": "error"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        results = out / RESULTS
        deadline = time.monotonic() + 240  # a bound on waiting, not an assertion on speed
        while not (results.is_file() and results.read_text(encoding="utf-8").strip()):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=240)
    finally:
        proc.kill()
    finished = len(results.read_text(encoding="utf-8").splitlines())
    if finished < 3:  # it was stopped before the end (the usual case)
        assert proc.returncode == 3, stderr
        assert "Interrupted: run the same command again to continue." in stderr
        assert "| workflow |" in stdout  # the report of what finished
    assert "Traceback" not in stderr

    again = autobyteus(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"{finished} finished task run(s)" in again.stderr
    tasks = sorted(json.loads(line)["task"] for line in results.read_text().splitlines())
    assert tasks == ["adder", "adder2", "adder3"]
