"""The bench machinery end to end with the scripted model: three tasks through the real
workflow engine and the direct baseline, scored by hidden tests in subprocesses; resume,
report and compare over the results they leave."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from bench_harness import scripted_model
from click.testing import CliRunner

from autobyteus_bench.report import flips, render_compare, render_report
from autobyteus_bench.results import RESULTS, read_results
from autobyteus_bench.runner import BenchConfig, run_suite
from autobyteus_bench.suites import load_suite
from autobyteus_core.app import Application
from autobyteus_core.cli import cli
from autobyteus_core.testing.scripted_llm import ScriptedLLM


def bench(
    app: Application,
    suite: Path,
    out: Path,
    llm: ScriptedLLM,
    settings_file: Path,
    arms: tuple[Any, ...] = ("workflow", "direct"),
    tasks: tuple[str, ...] | None = None,
) -> list[dict[str, Any]]:
    config = BenchConfig(app=app, model=llm, model_id=llm.model_id, out=out,
                         settings_file=settings_file)  # fmt: skip
    chosen = [t for t in load_suite(str(suite)) if tasks is None or t.id in tasks]
    out.mkdir(parents=True, exist_ok=True)
    return asyncio.run(run_suite(chosen, arms, config, jobs=2))


def by_key(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["arm"], r["task"]): r for r in records}


def test_three_tasks_are_scored_by_their_hidden_tests(
    app: Application, suite: Path, settings_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    records = by_key(bench(app, suite, out, scripted_model(), settings_file))

    good = records["workflow", "adder"]
    assert (good["status"], good["hidden_passed"], good["well_formed"]) == ("succeeded", True, True)
    assert good["generated_tests_passed"] is True
    assert (good["hidden_tests_passed"], good["hidden_tests_total"]) == (1, 1)
    assert good["calls"] == 3 and good["prompt_tokens"] > 0 and good["completion_tokens"] > 0

    wrong = records["workflow", "subber"]
    assert (wrong["status"], wrong["generated_tests_passed"]) == ("succeeded", True)
    assert wrong["hidden_passed"] is False
    assert (wrong["hidden_tests_passed"], wrong["hidden_fraction"]) == (0, 0.0)

    malformed = records["workflow", "muller"]
    assert malformed["status"] == "failed"
    assert "no usable reply" in malformed["error"]
    assert (malformed["well_formed"], malformed["hidden_passed"]) == (False, False)
    assert malformed["generated_tests_passed"] is None
    assert malformed["calls"] == 2

    direct = {task: records["direct", task] for task in ("adder", "subber", "muller")}
    assert [direct[t]["hidden_passed"] for t in ("adder", "subber", "muller")] == [True, False, True]
    assert all(r["calls"] == 1 and r["well_formed"] for r in direct.values())

    lines = (out / RESULTS).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    # The hidden tests never reached the workspace the workflow wrote.
    assert not list(Path(good["workspace"]).rglob("check_*.py"))


def test_a_run_record_opens_with_autobyteus_show(
    app: Application, suite: Path, settings_file: Path, tmp_path: Path
) -> None:
    (record,) = bench(app, suite, tmp_path / "out", scripted_model(), settings_file,
                      arms=("workflow",), tasks=("adder",))  # fmt: skip
    shown = CliRunner().invoke(
        cli, ["show", record["run_id"], "--workspace", record["workspace"], "--json"]
    )
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["run_id"] == record["run_id"]


def test_a_rerun_skips_finished_tasks_and_redoes_a_lost_one(
    app: Application, suite: Path, settings_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    bench(app, suite, out, scripted_model(), settings_file, arms=("workflow",))
    again = scripted_model()
    assert bench(app, suite, out, again, settings_file, arms=("workflow",)) == []
    assert again.calls == []

    # A crash cut the last line in half: that task runs again, the others do not.
    results = out / RESULTS
    lines = results.read_text(encoding="utf-8").splitlines()
    lost = json.loads(lines[-1])["task"]
    results.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:25], encoding="utf-8")
    third = scripted_model()
    redone = bench(app, suite, out, third, settings_file, arms=("workflow",))
    assert [r["task"] for r in redone] == [lost]
    assert third.calls
    assert sorted(r["task"] for r in read_results(out)) == ["adder", "muller", "subber"]


def test_compare_finds_the_flip_and_report_shows_both_arms(
    app: Application, suite: Path, settings_file: Path, tmp_path: Path
) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    bench(app, suite, before, scripted_model(), settings_file, tasks=("adder", "subber"))
    bench(app, suite, after, scripted_model(fixed=("subber",)), settings_file,
          tasks=("adder", "subber"))  # fmt: skip
    old, new = read_results(before), read_results(after)

    assert sorted(flips(old, new)) == [("direct", "subber", True), ("workflow", "subber", True)]
    compared = render_compare(old, new, "before", "after")
    assert "## Now passing (2)" in compared and "- workflow: subber" in compared
    assert "## Now failing (0)" in compared

    report = render_report(new, {"suite": "three", "model": "scripted:test"})
    assert "| workflow | 2 | 2/2 (100.0%) |" in report
    assert "| direct | 2 | 2/2 (100.0%) |" in report
    assert "| subber | pass 1/1 |" in report
    report_before = render_report(old, {})
    assert "| workflow | 2 | 1/2 (50.0%) |" in report_before
    assert "| subber | FAIL 0/1 |" in report_before
