"""Scoring a finished workspace with the task's hidden checks.

The workspace is copied into a fresh folder, the hidden checks are added there (the workspace itself
never holds them), and they run through :func:`run_isolated` with a timeout. Whatever the candidate
does to the copy is thrown away with it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from autobyteus_bench.isolation import run_isolated
from autobyteus_bench.tasks import BenchTask

#: Seconds one scoring run may take before its process group is killed.
PYTEST_TIMEOUT_S = 120.0
HUMANEVAL_TIMEOUT_S = 30.0
#: The folder of the copy that holds the hidden checks, and its pytest report.
HIDDEN_DIR = "bench_hidden"
REPORT = "report.xml"
#: Never copied from a workspace: run records, version control, environments, caches.
SKIPPED = (".autobyteus", ".git", ".venv", "venv", "__pycache__", ".pytest_cache", HIDDEN_DIR)

# The humaneval check runs like the original harness: the problem's test code is executed in
# the candidate module's namespace (some checks call the prompt's helper functions), then
# ``check`` is called with the entry point. Exit 0 means every assertion held.
_HUMANEVAL_RUNNER = """\
import importlib, sys
sys.path.insert(0, {root!r})
module = importlib.import_module({module!r})
namespace = dict(vars(module))
with open({check!r}, encoding="utf-8") as handle:
    exec(compile(handle.read(), "check.py", "exec"), namespace)
namespace["check"](getattr(module, {entry_point!r}))
print("BENCH-CHECK-PASSED")
"""


@dataclass(frozen=True)
class Score:
    """The hidden checks' verdict: all passed, how many of how many, and the output's tail."""

    passed: bool
    tests_passed: int
    tests_total: int
    timed_out: bool
    detail: str

    @property
    def fraction(self) -> float:
        """Share of hidden tests passed (0 when none ran)."""
        return self.tests_passed / self.tests_total if self.tests_total else 0.0


async def score_workspace(
    task: BenchTask, workspace: Path, *, timeout_s: float | None = None
) -> Score:
    """Run ``task``'s hidden checks against a copy of ``workspace``, stopped after
    ``timeout_s`` seconds (default: per kind of check)."""
    with tempfile.TemporaryDirectory(prefix="autobyteus-bench-score-") as scratch:
        copy = Path(scratch) / "workspace"
        shutil.copytree(workspace, copy, symlinks=True, ignore=shutil.ignore_patterns(*SKIPPED))
        hidden = copy / HIDDEN_DIR
        hidden.mkdir()
        for name, text in task.hidden.items():
            target = hidden / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if task.scoring == "humaneval":
            return await _score_humaneval(task, copy, hidden, timeout_s or HUMANEVAL_TIMEOUT_S)
        return await _score_pytest(task, copy, hidden, timeout_s or PYTEST_TIMEOUT_S)


async def _score_humaneval(task: BenchTask, copy: Path, hidden: Path, timeout_s: float) -> Score:
    runner = hidden / "run_check.py"
    runner.write_text(
        _HUMANEVAL_RUNNER.format(
            root=str(copy),
            module=task.module,
            check=str(hidden / "check.py"),
            entry_point=task.entry_point,
        ),
        encoding="utf-8",
    )
    outcome = await run_isolated([sys.executable, "-I", str(runner)], cwd=copy, timeout_s=timeout_s)
    # The marker as well as the exit code: a candidate calling os._exit(0) at import passes
    # neither the check nor this test.
    passed = outcome.ok and "BENCH-CHECK-PASSED" in outcome.output
    return Score(passed, int(passed), 1, outcome.timed_out, _tail(outcome.output))


async def _score_pytest(task: BenchTask, copy: Path, hidden: Path, timeout_s: float) -> Score:
    # The ini file roots pytest in the hidden folder, so a workspace's own conftest.py or pytest
    # configuration cannot change how (or whether) the hidden tests run.
    (hidden / "pytest.ini").write_text("[pytest]\npython_files = check_*.py\n", encoding="utf-8")
    report = hidden / REPORT
    argv = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-c", str(hidden / "pytest.ini"), f"--junitxml={report}", str(hidden),
    ]  # fmt: skip
    outcome = await run_isolated(argv, cwd=copy, timeout_s=timeout_s)
    expected = {Path(name).stem for name in task.hidden if Path(name).name.startswith("check_")}
    passed, total, seen = _read_report(report) if not outcome.timed_out else (0, 0, set())
    # A hidden test file that never reported (deleted, or its collection swallowed) counts as
    # a failure, so removing tests is never a way to pass.
    complete = expected <= seen
    ok = outcome.ok and complete and total > 0 and passed == total
    # With nothing reported, each hidden file counts as one failed test.
    return Score(
        ok, passed, total or max(len(expected), 1), outcome.timed_out, _tail(outcome.output)
    )


def _read_report(path: Path) -> tuple[int, int, set[str]]:
    """Passed and total test cases of a JUnit report, and the modules they came from."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return 0, 0, set()
    passed = total = 0
    modules: set[str] = set()
    for case in root.iter("testcase"):
        total += 1
        modules.update(case.get("classname", "").split("."))
        if not any(child.tag in ("failure", "error", "skipped") for child in case):
            passed += 1
    return passed, total, modules


def _tail(output: str, chars: int = 1500) -> str:
    return output[-chars:].strip()


def score_json(score: Score) -> dict[str, object]:
    """The score as a results record holds it."""
    return {
        "hidden_passed": score.passed,
        "hidden_tests_passed": score.tests_passed,
        "hidden_tests_total": score.tests_total,
        "hidden_fraction": round(score.fraction, 4),
        "score_timed_out": score.timed_out,
        "score_output": score.detail,
    }
