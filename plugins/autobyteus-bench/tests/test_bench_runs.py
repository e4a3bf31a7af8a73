"""The bench machinery end to end with the scripted model: three tasks through the real
workflow engine and the direct baseline, scored by hidden tests in subprocesses; resume,
report and compare over the results they leave."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from autobyteus_bench.report import flips, render_compare, render_report
from autobyteus_bench.results import RESULTS, read_results
from autobyteus_bench.runner import BenchConfig, run_suite
from autobyteus_bench.suites import load_suite
from bench_testkit.harness import SETTINGS, autobyteus, make_suite, scripted_model

from autobyteus_core import Application, Executor, WorkQueue, hookimpl
from autobyteus_core.testing import ScriptedLLM


def bench(
    app: Application,
    suite: Path,
    out: Path,
    llm: ScriptedLLM,
    arms: tuple[Any, ...] = ("workflow", "direct"),
    tasks: tuple[str, ...] | None = None,
    executor: str = "local",
) -> list[dict[str, Any]]:
    settings_file = suite.parent / "bench-settings.toml"
    settings_file.write_text(SETTINGS, encoding="utf-8")
    config = BenchConfig(model=llm, model_id=llm.model_id, out=out, settings_file=settings_file)
    chosen = [t for t in load_suite(str(suite)) if tasks is None or t.id in tasks]
    out.mkdir(parents=True, exist_ok=True)
    return asyncio.run(run_suite(chosen, arms, config, app, jobs=2, executor=executor))


def by_key(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["arm"], r["task"]): r for r in records}


@pytest.fixture(scope="module")
def coding_app() -> Iterator[Application]:
    """One application with the coding steps for the module (its runs are what is shared)."""
    import autobyteus_coding_steps.plugin

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTOBYTEUS_STRICT_PLUGINS", "1")
        app = Application(entry_points=False)
        app.fill_all()
        app.add_plugin(autobyteus_coding_steps.plugin, "coding_steps")
        yield app


@pytest.fixture(scope="module")
def first(coding_app: Application, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results folder of the three tasks, both arms, run once for the module."""
    root = tmp_path_factory.mktemp("first")
    bench(coding_app, make_suite(root / "suite"), root / "out", scripted_model())
    return root


def test_three_tasks_are_scored_by_their_hidden_tests(first: Path) -> None:
    records = by_key(read_results(first / "out"))

    good = records["workflow", "adder"]
    assert (good["status"], good["hidden_passed"], good["well_formed"]) == ("succeeded", True, True)
    assert good["generated_tests_passed"] is True
    assert (good["hidden_tests_passed"], good["hidden_tests_total"]) == (1, 1)
    assert good["calls"] >= 2 and good["prompt_tokens"] > 0 and good["completion_tokens"] > 0
    # Its code passed before the fix step, which asked nothing.
    assert (good["hidden_passed_before_fixes"], good["fix_calls"], good["fix_tokens"]) == (
        True,
        0,
        0,
    )

    wrong = records["workflow", "subber"]
    assert (wrong["status"], wrong["generated_tests_passed"]) == ("succeeded", True)
    assert wrong["hidden_passed"] is False
    assert (wrong["hidden_tests_passed"], wrong["hidden_fraction"]) == (0, 0.0)
    assert wrong["hidden_passed_before_fixes"] is False

    malformed = records["workflow", "muller"]
    assert malformed["status"] == "failed"
    assert "no usable reply" in malformed["error"]
    assert (malformed["well_formed"], malformed["hidden_passed"]) == (False, False)
    assert malformed["generated_tests_passed"] is None
    assert malformed["calls"] == 2
    assert malformed["hidden_passed_before_fixes"] is None  # it never got to the fix step

    direct = {task: records["direct", task] for task in ("adder", "subber", "muller")}
    assert [direct[t]["hidden_passed"] for t in ("adder", "subber", "muller")] == [
        True,
        False,
        True,
    ]
    assert all(r["calls"] == 1 and r["well_formed"] for r in direct.values())
    assert all(r["hidden_passed_before_fixes"] is None for r in direct.values())

    lines = (first / "out" / RESULTS).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    # The hidden tests never reached the workspace the workflow wrote.
    assert not list(Path(good["workspace"]).rglob("check_*.py"))


def test_a_run_record_opens_with_autobyteus_show(first: Path) -> None:
    record = by_key(read_results(first / "out"))["workflow", "adder"]
    shown = autobyteus("show", record["run_id"], "--workspace", record["workspace"], "--json",
                       cwd=first)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["run_id"] == record["run_id"]


def test_a_rerun_skips_finished_tasks_and_redoes_a_lost_one(
    coding_app: Application, first: Path, tmp_path: Path
) -> None:
    shutil.copytree(first, tmp_path, dirs_exist_ok=True)
    suite, out = tmp_path / "suite", tmp_path / "out"
    again = scripted_model()
    assert bench(coding_app, suite, out, again) == []
    assert again.calls == []

    # A crash cut the last line in half: that task runs again, the others do not.
    results = out / RESULTS
    lines = results.read_text(encoding="utf-8").splitlines()
    lost = json.loads(lines[-1])
    results.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:25], encoding="utf-8")
    third = scripted_model()
    redone = bench(coding_app, suite, out, third)
    assert [(r["arm"], r["task"]) for r in redone] == [(lost["arm"], lost["task"])]
    assert third.calls
    assert len(read_results(out)) == 6


class OneByOne(Executor):
    """A plugin's executor: one item at a time, in this process, noting what it ran."""

    name = "one_by_one"
    description = "one at a time, for tests"
    ran: ClassVar[list[str]] = []

    async def run(self, queue: WorkQueue) -> None:
        while (work := queue.next()) is not None:
            self.ran.append(work.id)
            queue.finished(await work.run(queue.app))


class OneByOnePlugin:
    @hookimpl
    def register_executors(self, register: Any) -> None:
        register(OneByOne())


def test_the_bench_runs_its_tasks_through_the_executor_it_is_given(
    app: Application, suite: Path, tmp_path: Path
) -> None:
    app.add_plugin(OneByOnePlugin(), "one_by_one")
    records = bench(app, suite, tmp_path / "out", scripted_model(), tasks=("adder",),
                    executor="one_by_one")  # fmt: skip
    assert OneByOne.ran == ["workflow/adder", "direct/adder"]
    assert sorted((r["arm"], r["hidden_passed"]) for r in records) == [
        ("direct", True),
        ("workflow", True),
    ]
    assert len(read_results(tmp_path / "out")) == 2


def test_compare_finds_the_flip_and_report_shows_both_arms(
    coding_app: Application, first: Path, tmp_path: Path
) -> None:
    after = tmp_path / "after"
    bench(coding_app, first / "suite", after, scripted_model(fixed=("subber",)), tasks=("subber",))
    old, new = read_results(first / "out"), read_results(after)

    assert sorted(flips(old, new)) == [("direct", "subber", True), ("workflow", "subber", True)]
    compared = render_compare(old, new, "before", "after")
    assert "## Now passing (2)" in compared and "- workflow: subber" in compared
    assert "## Now failing (0)" in compared

    report = render_report(old, {"suite": "three", "model": "scripted:test"})
    assert report.startswith("# bench: three with scripted:test")
    assert "| workflow | 3 | 1/3 (33.3%) |" in report
    assert "| direct | 3 | 2/3 (66.7%) |" in report
    assert "| subber | FAIL 0/1 |" in report and "| adder | pass 1/1 |" in report
    assert "| subber | pass 1/1 |" in render_report(new, {})


def test_the_record_says_what_the_fix_step_bought(coding_app: Application, tmp_path: Path) -> None:
    out = tmp_path / "out"
    llm = scripted_model(mended=("subber",))
    [record] = bench(coding_app, make_suite(tmp_path / "suite", ("subber",)), out, llm,
                     arms=("workflow",))  # fmt: skip
    assert (record["hidden_passed_before_fixes"], record["hidden_passed"]) == (False, True)
    asked = [c.prompt for c in llm.calls]
    fix_prompts = [p for p in asked if "give your verdict" in p.lower() or "The file to fix" in p]
    assert record["fix_calls"] == len(fix_prompts) >= 2  # the verdict, then the fix
    assert 0 < record["fix_tokens"] < record["prompt_tokens"] + record["completion_tokens"]

    report = render_report(read_results(out), {})
    assert "| subber | pass (fixed) 1/1 |" in report
    assert "reached in 1 of 1 workflow tasks, whose code passed the hidden tests 0 times " in report
    assert "(1 fail → pass, 0 pass → fail)" in report
