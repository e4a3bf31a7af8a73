"""A test run's verdict from pytest's own junit XML report, never from text a test could print.

The report goes to a folder of its own outside the workspace. A run passes only when pytest
exited with status 0 *and* wrote a report listing at least one test and no failure or error: a
test that prints ``5 passed`` and ends the process early leaves no report, and fails. Code that
runs inside pytest's own process can still forge the report; refusing pytest hooks in generated
files is what guards against that.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autobyteus_core.sandbox.runner import ProcessOutcome

#: ``run_process`` or ``WorkflowContext.run_code``: runs an argv with keyword options.
Runner = Callable[..., Awaitable["ProcessOutcome"]]

REPORT_NAME = "junit.xml"
#: A bigger report is not pytest's (a million tests would not reach it).
_MAX_REPORT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class PytestVerdict:
    """Whether the tests passed, pytest's counts, and why not when they did not; ``cases``:
    each test of the report (``tests.test_mod::test_name``) and how it ended (``passed``,
    ``failed``, ``error`` or ``skipped``)."""

    passed: bool
    counts: str
    problem: str | None = None
    cases: Mapping[str, str] = field(default_factory=dict)


def is_pytest(argv: Sequence[str]) -> bool:
    """Whether ``argv`` runs pytest (``pytest ...``, ``python -m pytest ...``)."""
    if argv and os.path.basename(argv[0]).startswith(("pytest", "py.test")):
        return True
    return any(a == "-m" and b == "pytest" for a, b in itertools.pairwise(argv))


@contextlib.contextmanager
def report_folder() -> Iterator[Path]:
    """A fresh folder for one run's report, outside the workspace, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="autobyteus-report-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def with_report(argv: Sequence[str], folder: Path) -> list[str]:
    """``argv`` asking pytest for its junit XML report in ``folder`` (given last, so it wins
    over any ``--junitxml`` of the project's configuration)."""
    return [*argv, f"--junitxml={folder / REPORT_NAME}"]


async def run_pytest(
    run: Runner, argv: Sequence[str], *, writable: Sequence[Path] = (), **options: Any
) -> tuple[ProcessOutcome, PytestVerdict]:
    """Run the pytest command ``argv`` through ``run`` (with ``options``) asking for its report
    in a fresh folder, writable in the sandbox; the outcome and the verdict read from the report."""
    with report_folder() as folder:
        outcome = await run(with_report(argv, folder), writable=[*writable, folder], **options)
        return outcome, pytest_verdict(outcome, folder)


def pytest_verdict(outcome: ProcessOutcome, folder: Path) -> PytestVerdict:
    """The verdict of a pytest run whose report was asked for in ``folder``."""
    report = folder / REPORT_NAME
    try:
        if report.stat().st_size > _MAX_REPORT_BYTES:
            return PytestVerdict(False, "", "pytest's report is too large to be pytest's")
        counts, cases = _counts(report)
    except FileNotFoundError:
        return PytestVerdict(
            False,
            "",
            f"pytest wrote no report: the test process {outcome.ending()} before pytest "
            "finished (whatever its output says)",
        )
    except (OSError, ValueError) as exc:
        return PytestVerdict(False, "", f"pytest's report cannot be read: {exc}")
    text = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
    bad = counts["failed"] + counts["errors"]
    if outcome.timed_out or outcome.returncode != 0:
        return PytestVerdict(False, text, f"the test process {outcome.ending()}", cases)
    if bad:
        return PytestVerdict(
            False, text, "pytest's report lists failures though the exit status was 0", cases
        )
    if not counts["passed"]:
        return PytestVerdict(False, text, "pytest's report lists no test that passed", cases)
    return PytestVerdict(True, text, cases=cases)


def _counts(report: Path) -> tuple[dict[str, int], dict[str, str]]:
    """passed, failed, errors and skipped over every test suite of a junit XML report, and
    how each test case ended."""
    import xml.etree.ElementTree as ElementTree

    try:
        root = ElementTree.parse(report).getroot()
    except ElementTree.ParseError as exc:
        raise ValueError(str(exc)) from exc
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if root.tag not in ("testsuite", "testsuites"):
        raise ValueError(f"not a junit report (root element <{root.tag}>)")
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for name in total:
            total[name] += int(suite.get(name, "0"))
    passed = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    counts = {
        "passed": max(passed, 0),
        "failed": total["failures"],
        "errors": total["errors"],
        "skipped": total["skipped"],
    }
    return counts, {_case_id(case): _ending(case) for s in suites for case in s.iter("testcase")}


def _case_id(case: Any) -> str:
    """``tests.test_mod::test_name`` (``classname::name``) of a junit ``<testcase>``."""
    name = case.get("name", "")
    classname = case.get("classname", "")
    return f"{classname}::{name}" if classname else name


def _ending(case: Any) -> str:
    """How a junit ``<testcase>`` ended: the first of error, failed, skipped it has, or passed."""
    tags = {child.tag for child in case}
    for tag, ending in (("error", "error"), ("failure", "failed"), ("skipped", "skipped")):
        if tag in tags:
            return ending
    return "passed"
