"""``autobyteus bench`` through the real executable: the plugin's entry point is found, and a
run with the file-backed scripted model writes results that ``report`` and ``compare`` read."""

from __future__ import annotations

import json
from pathlib import Path

from autobyteus_bench.results import RESULTS
from bench_harness import autobyteus, fenced, generated_test, module, plan


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
    replies = tmp_path / "replies.json"
    rules = [
        {"match": "Reply with every file of the solution", "reply": fenced(module("adder"), "adder.py")},
        {"match": r"\[SubtaskExample\]", "reply": plan("adder")},
        {"match": "Write the test file", "reply": fenced(generated_test("adder"))},
        {"match": "Write the file `adder.py`", "reply": fenced(module("adder"))},
    ]  # fmt: skip
    replies.write_text(json.dumps({"rules": rules}), encoding="utf-8")
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
