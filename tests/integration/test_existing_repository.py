"""Issue 16's test: a run in an existing git repository.

The repository holds a small package (``tally``: 3 modules, 8 passing tests). The requirement
adds a feature that changes two existing files and adds one, and the scripted replies use
search/replace edit blocks: the first block for ``counter.py`` matches nothing (re-asked with
the exact problem), and the change to ``report.py`` breaks an existing test (the regression is
found against the baseline and fixed in the next round). Checked: the run's branch, one commit
per subtask and fix round with the run's trailer, ``autobyteus diff``, ``autobyteus undo``
(byte-identical tree, original branch), a dirty tree refused, and a real ``autobyteus run``
killed with SIGKILL and resumed on its branch.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("autobyteus_coding_steps", reason="the autobyteus-coding-steps plugin")

from autobyteus_coding_steps import CodingTests

from autobyteus_core.app import Application
from autobyteus_core.cli import cli
from autobyteus_core.settings import AutobyteusSettings
from autobyteus_core.testing.scripted_llm import ScriptedLLM
from autobyteus_core.workflow.automated_coding_workflow import AutomatedCodingWorkflow
from autobyteus_core.workflow.run_git import STEP_TRAILER, TRAILER
from autobyteus_core.workflow.workflow_status import WorkflowStatus

Git = Callable[..., str]

COUNTER = '''\
"""Counting named things."""


class Counter:
    """Counts of names."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, name: str, amount: int = 1) -> None:
        """Count ``amount`` more of ``name``."""
        if amount < 0:
            raise ValueError("amount must not be negative")
        self.counts[name] = self.counts.get(name, 0) + amount

    def total(self) -> int:
        """The sum of every count."""
        return sum(self.counts.values())
'''

REPORT = '''\
"""Reports of a counter."""

from tally.counter import Counter
from tally.units import scaled


def report(counter: Counter, unit: str = "") -> str:
    """One line per name, most counted first, then the total."""
    rows = sorted(counter.counts.items(), key=lambda item: (-item[1], item[0]))
    lines = [f"{name}: {scaled(count, unit)}" for name, count in rows]
    lines.append(f"total: {scaled(counter.total(), unit)}")
    return "\\n".join(lines)
'''

UNITS = '''\
"""Units a count can be shown in."""

UNITS = {"": 1, "k": 1000}


def scaled(value: int, unit: str = "") -> str:
    """``value`` in ``unit`` (``k``: thousands, one decimal)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    if unit == "":
        return str(value)
    return f"{value / UNITS[unit]:.1f}{unit}"
'''

TESTS = {
    "tests/test_counter.py": """\
import pytest

from tally.counter import Counter


def test_add_counts() -> None:
    counter = Counter()
    counter.add("a")
    counter.add("a", 2)
    assert counter.counts == {"a": 3}


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError):
        Counter().add("a", -1)


def test_total() -> None:
    counter = Counter()
    counter.add("a", 2)
    counter.add("b")
    assert counter.total() == 3
""",
    "tests/test_report.py": """\
from tally.counter import Counter
from tally.report import report


def sample() -> Counter:
    counter = Counter()
    counter.add("b", 2)
    counter.add("a", 2)
    counter.add("c", 5)
    return counter


def test_most_counted_first_then_by_name() -> None:
    assert report(sample()).splitlines()[:3] == ["c: 5", "a: 2", "b: 2"]


def test_the_last_line_is_the_total() -> None:
    assert report(sample()).splitlines()[-1] == "total: 9"


def test_a_unit_scales_every_line() -> None:
    counter = Counter()
    counter.add("a", 1500)
    assert report(counter, "k") == "a: 1.5k\\ntotal: 1.5k"
""",
    "tests/test_units.py": """\
import pytest

from tally.units import scaled


def test_plain_and_thousands() -> None:
    assert scaled(12) == "12"
    assert scaled(1500, "k") == "1.5k"


def test_an_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError):
        scaled(1, "m")
""",
}

PYPROJECT = """\
[project]
name = "tally"
version = "0.1.0"

[tool.autobyteus.coding_steps]
edit_blocks_above_chars = 0
generate_tests = false
"""

REQUIREMENT = (
    "Add CSV export to the `tally` package: `Counter.most_common()` in `tally/counter.py` "
    "returns (name, count) pairs, most counted first, ties by name; `to_csv(counter)` in the "
    "new `tally/export.py` returns a `name,count` header and one line per name in that order; "
    "`report()` in `tally/report.py` lists the names in `most_common()` order."
)

DOCUMENT = """\
## Background
`tally` counts named things; this adds CSV export.

## Functional requirements
1. `Counter.most_common()` returns (name, count) pairs, most counted first, ties by name.
2. `to_csv(counter)` in `tally/export.py` returns `name,count` lines under a header.
3. `report()` lists names in `most_common()` order and keeps its total line.

## Acceptance criteria
1. The existing tests still pass.
"""

PLAN = """\
#### Task 1: Add `most_common` to `Counter`
#task start#
- **Objective**: Give `Counter` a method listing its names, most counted first.
- **File Specification**: `tally/counter.py`
- **Functionality Details**: `most_common() -> list[tuple[str, int]]`, ties by name.
- **Integration Points**: None.
#task end#

#### Task 2: Write `to_csv`
#task start#
- **Objective**: Export a counter as CSV.
- **File Specification**: `tally/export.py`
- **Functionality Details**: `to_csv(counter) -> str`: a `name,count` header, then a line per name.
- **Integration Points**: Uses `Counter.most_common` from `tally/counter.py` (Task 1).
#task end#

#### Task 3: Order the report by the new method
#task start#
- **Objective**: The report lists names in the order of `Counter.most_common`.
- **File Specification**: `tally/report.py`
- **Functionality Details**: Keep the total line.
- **Integration Points**: Uses `Counter.most_common` from `tally/counter.py` (Task 1).
#task end#
"""

EXPORT = '''\
"""Counts as CSV."""

from tally.counter import Counter


def to_csv(counter: Counter) -> str:
    """A ``name,count`` header, then one line per name, most counted first."""
    lines = ["name,count"]
    lines += [f"{name},{count}" for name, count in counter.most_common()]
    return "\\n".join(lines) + "\\n"
'''

MOST_COMMON = '''\
    def most_common(self) -> list[tuple[str, int]]:
        """(name, count) pairs, most counted first, then by name."""
        return sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
'''

#: The first edit of counter.py quotes code the file does not have.
COUNTER_MISSED = """\
`tally/counter.py`
<<<<<<< SEARCH
    def count(self, name):
        return self.values[name]
=======
    def count(self, name):
        return self.values[name]

    def most_common(self):
        return sorted(self.values.items())
>>>>>>> REPLACE
"""

COUNTER_EDIT = f'''\
`tally/counter.py`
<<<<<<< SEARCH
    def total(self) -> int:
        """The sum of every count."""
        return sum(self.counts.values())
=======
    def total(self) -> int:
        """The sum of every count."""
        return sum(self.counts.values())

{MOST_COMMON}>>>>>>> REPLACE
'''

#: The change to report.py drops the total line: an existing test breaks.
REPORT_BREAKING = """\
`tally/report.py`
<<<<<<< SEARCH
    rows = sorted(counter.counts.items(), key=lambda item: (-item[1], item[0]))
    lines = [f"{name}: {scaled(count, unit)}" for name, count in rows]
    lines.append(f"total: {scaled(counter.total(), unit)}")
    return "\\n".join(lines)
=======
    lines = [f"{name}: {scaled(count, unit)}" for name, count in counter.most_common()]
    return "\\n".join(lines)
>>>>>>> REPLACE
"""

REPORT_FIX = """\
`tally/report.py`
<<<<<<< SEARCH
    lines = [f"{name}: {scaled(count, unit)}" for name, count in counter.most_common()]
    return "\\n".join(lines)
=======
    lines = [f"{name}: {scaled(count, unit)}" for name, count in counter.most_common()]
    lines.append(f"total: {scaled(counter.total(), unit)}")
    return "\\n".join(lines)
>>>>>>> REPLACE
"""

#: (pattern, reply) of every prompt of the run, first match wins (re-asks before first asks).
RULES = [
    (r"Rewrite the requirement below", f"```markdown\n{DOCUMENT}```"),
    (r"\[SubtaskExample\]", PLAN),
    (r"Reply again with search/replace edit blocks for `tally/counter\.py`", COUNTER_EDIT),
    (r"Change `tally/counter\.py` for what Task 1 needs", COUNTER_MISSED),
    (r"Write the file `tally/export\.py`", f"```python\n{EXPORT}```"),
    (r"Change `tally/report\.py` for what Task 3 needs", REPORT_BREAKING),
    (r"The file to fix, `tally/report\.py`", REPORT_FIX),
    (r"The file to fix, `tally/(counter|export)\.py`", "NO CHANGE"),
]

#: The existing tests the breaking change makes fail (both check the total line).
REGRESSED = [
    "tests.test_report::test_a_unit_scales_every_line",
    "tests.test_report::test_the_last_line_is_the_total",
]


def scripted() -> ScriptedLLM:
    llm = ScriptedLLM()
    for pattern, reply in RULES:
        llm.on(pattern, reply)
    return llm


@pytest.fixture
def repo(tmp_path: Path, git: Git) -> Path:
    """The ``tally`` repository on ``main``, committed, with a clean work tree."""
    root = tmp_path / "tally-repo"
    files = {
        "pyproject.toml": PYPROJECT,
        ".gitignore": "__pycache__/\n",
        "tally/__init__.py": "",
        "tally/counter.py": COUNTER,
        "tally/report.py": REPORT,
        "tally/units.py": UNITS,
        **TESTS,
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "tally 0.1")
    return root


@pytest.fixture
def app(autobyteus_app: Application, register_plugin: Any) -> Application:
    import autobyteus_coding_steps.plugin

    register_plugin(autobyteus_coding_steps.plugin, "coding_steps")
    return autobyteus_app


def snapshot(root: Path, git: Git) -> dict[str, str]:
    """SHA-256 of every file git sees (tracked, or untracked and not ignored)."""
    listed = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return {
        path: hashlib.sha256((root / path).read_bytes()).hexdigest()
        for path in sorted(set(listed.split("\0")) - {""})
    }


def run_commits(root: Path, git: Git, branch: str) -> list[dict[str, str]]:
    """The commits on ``branch`` since ``main``, oldest first: subject, body, files."""
    log = git(root, "log", "--reverse", "--format=%H%x1f%s%x1f%B%x1e", f"main..{branch}")
    commits = []
    for record in filter(str.strip, log.split("\x1e")):
        sha, subject, body = record.strip("\n").split("\x1f")
        files = git(root, "show", "--name-only", "--format=", sha).split()
        commits.append({"sha": sha, "subject": subject, "body": body, "files": files})
    return commits


def invoke(app: Application, *args: str) -> Any:
    return CliRunner().invoke(cli, list(args), obj={"app": app})


async def test_a_run_in_a_repository_works_on_its_branch_and_can_be_undone(
    app: Application, repo: Path, git: Git
) -> None:
    before = snapshot(repo, git)
    start = git(repo, "rev-parse", "HEAD").strip()
    llm = scripted()
    settings = AutobyteusSettings.load(repo, max_concurrency=1)
    workflow = AutomatedCodingWorkflow(app=app, workspace=repo, settings=settings, model=llm)

    run = await workflow.start(requirement=REQUIREMENT)

    assert run.status is WorkflowStatus.SUCCEEDED, run.error
    branch = f"autobyteus/{run.run_id}"
    assert git(repo, "branch", "--show-current").strip() == branch
    assert run.git is not None
    assert (run.git.start_branch, run.git.start, run.git.branch) == ("main", start, branch)
    # the first edit of counter.py was re-asked with the exact problem
    reasks = [c.prompt for c in llm.calls if "Reply again with search/replace" in c.prompt]
    assert len(reasks) == 1
    assert "block 1 of 1 did not match" in reasks[0]
    # the baseline: the 8 tests passed before the run changed anything
    baseline = run.state.data["autobyteus_coding_steps"]["baseline"]
    assert len(baseline["passed"]) == 8 and baseline["failed"] == []
    # report.py's change broke an existing test: a regression, fixed in round 1
    first, second = run.state.output(CodingTests).test_results
    assert not first["passed"] and first["regressions"] == REGRESSED
    assert first["fixed_files"] == ["tally/report.py"]
    assert first["unchanged_files"] == ["tally/counter.py"]  # the code the broken test imports
    assert second["passed"] and second["counts"] == "8 passed"
    assert run.state.output(CodingTests).regressions == []
    fix_prompt = next(
        c.prompt for c in llm.calls if "The file to fix, `tally/report.py`" in c.prompt
    )
    assert "passed before this run changed the code" in fix_prompt
    assert all(f"- {test}" in fix_prompt for test in REGRESSED)
    # one commit per subtask and per fix round, each saying what and why, with the trailers
    commits = run_commits(repo, git, branch)
    assert [(c["subject"], c["files"]) for c in commits] == [
        ("Task 1: Add `most_common` to `Counter`", ["tally/counter.py"]),
        ("Task 2: Write `to_csv`", ["tally/export.py"]),
        ("Task 3: Order the report by the new method", ["tally/report.py"]),
        ("Fix round 1: tally/report.py", ["tally/report.py"]),
    ]
    assert "Give `Counter` a method listing its names" in commits[0]["body"]
    assert all(test in commits[3]["body"] for test in REGRESSED)
    for commit, step in zip(commits, ["implementation"] * 3 + ["run_tests"], strict=True):
        assert commit["body"].rstrip().endswith(f"{TRAILER}: {run.run_id}\n{STEP_TRAILER}: {step}")
    assert git(repo, "status", "--porcelain") == ""
    assert (repo / "tally/export.py").read_text(encoding="utf-8") == EXPORT
    assert MOST_COMMON in (repo / "tally/counter.py").read_text(encoding="utf-8")

    # diff: the run's whole change
    shown = invoke(app, "diff", run.run_id, "--workspace", str(repo))
    assert shown.exit_code == 0, shown.output
    assert shown.output == git(repo, "diff", start, branch)
    assert "+++ b/tally/export.py" in shown.output
    assert "+    def most_common(self) -> list[tuple[str, int]]:" in shown.output
    stat = invoke(app, "diff", run.run_id, "--workspace", str(repo), "--stat")
    assert "3 files changed" in stat.output
    details = invoke(app, "show", run.run_id, "--workspace", str(repo), "--json")
    assert json.loads(details.output)["git"]["branch"] == branch
    text = invoke(app, "show", run.run_id, "--workspace", str(repo)).output
    assert f"Git:         branch {branch}, from main at {start[:10]}" in text

    # undo: back on main, the tree byte for byte as it was, the branch gone
    undone = invoke(app, "undo", run.run_id, "--workspace", str(repo))
    assert undone.exit_code == 0, undone.output
    assert f"main checked out, branch {branch} deleted with its 4 commit(s)" in undone.output
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert git(repo, "rev-parse", "HEAD").strip() == start
    assert snapshot(repo, git) == before
    assert git(repo, "branch", "--list", branch) == ""
    again = invoke(app, "undo", run.run_id, "--workspace", str(repo))
    assert again.exit_code == 2 and "no longer exists" in again.output


async def test_a_run_ending_with_a_regression_has_not_succeeded(
    app: Application, repo: Path, git: Git
) -> None:
    llm = ScriptedLLM()
    for pattern, reply in RULES:
        if "The file to fix" not in pattern:
            llm.on(pattern, reply)
    llm.on(r"The file to fix|again from the requirement", "NO CHANGE")
    settings = AutobyteusSettings.load(repo, max_concurrency=1)
    workflow = AutomatedCodingWorkflow(app=app, workspace=repo, settings=settings, model=llm)

    run = await workflow.start(requirement=REQUIREMENT)

    assert run.status is WorkflowStatus.FAILED
    assert run.state.output(CodingTests).regressions == REGRESSED
    assert run.error is not None and "regression: 2 test(s) that passed before the run" in run.error
    details = invoke(app, "show", run.run_id, "--workspace", str(repo), "--json")
    assert json.loads(details.output)["regressions"] == REGRESSED


def test_a_dirty_work_tree_is_refused_with_what_to_do(
    app: Application, repo: Path, git: Git, tmp_path: Path
) -> None:
    replies = tmp_path / "replies.json"
    replies.write_text("[]", encoding="utf-8")
    (repo / "tally/units.py").write_text(UNITS + "\n# mine\n", encoding="utf-8")
    model = f"scripted:{replies}"
    result = invoke(app, "run", REQUIREMENT, "--workspace", str(repo), "--model", model)
    assert result.exit_code == 2
    assert "uncommitted changes (M tally/units.py)" in result.output
    assert "--allow-dirty" in result.output
    assert git(repo, "branch", "--list").split() == ["*", "main"]
    assert not (repo / ".autobyteus" / "runs").exists() or not any(
        (repo / ".autobyteus" / "runs").glob("*/state.json")
    )


async def test_no_git_leaves_the_repository_alone(app: Application, repo: Path, git: Git) -> None:
    settings = AutobyteusSettings.load(repo, max_concurrency=1)
    flow = AutomatedCodingWorkflow(
        app=app, workspace=repo, settings=settings, model=scripted(), git=False
    )
    run = await flow.start(requirement=REQUIREMENT)
    assert run.status is WorkflowStatus.SUCCEEDED, run.error
    assert run.git is None
    assert git(repo, "branch", "--list").split() == ["*", "main"]
    assert "tally/export.py" in git(repo, "status", "--porcelain")


# -- a real process killed mid-run -------------------------------------------------------------


def _env(tmp_path: Path, delay: float) -> dict[str, str]:
    env = {
        **os.environ,
        "AUTOBYTEUS_LOAD_PLUGINS": "autobyteus-coding-steps",
        "AUTOBYTEUS_STRICT_PLUGINS": "1",
        "AUTOBYTEUS_SCRIPTED_DELAY": str(delay),
        "AUTOBYTEUS_SCRIPTED_LOG": str(tmp_path / "served.jsonl"),
        "AUTOBYTEUS_MAX_CONCURRENCY": "1",
        "AUTOBYTEUS_LOG_FORMAT": "json",
    }
    env.pop("AUTOBYTEUS_MODEL", None)
    return env


def _autobyteus(*args: str) -> list[str]:
    return [sys.executable, "-m", "autobyteus_core.cli", *args]


def _branch_commits(repo: Path, git: Git) -> list[str]:
    branches = [b.strip(" *") for b in git(repo, "branch", "--list", "autobyteus/*").splitlines()]
    if not branches:
        return []
    return git(repo, "log", "--format=%s", f"main..{branches[0]}").splitlines()


def test_a_killed_run_resumes_on_its_branch(tmp_path: Path, repo: Path, git: Git) -> None:
    replies = tmp_path / "replies.json"
    rules = [{"match": pattern, "reply": reply} for pattern, reply in RULES]
    replies.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    model = f"scripted:{replies}"
    process = subprocess.Popen(
        _autobyteus("run", REQUIREMENT, "--workspace", str(repo), "--model", model),
        env=_env(tmp_path, 0.5),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _branch_commits(repo, git):  # killed once the first subtask is committed
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "no commit on the run's branch in time"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert len(_branch_commits(repo, git)) < 4
    run_id = next((repo / ".autobyteus" / "runs").iterdir()).name
    branch = f"autobyteus/{run_id}"
    git(repo, "checkout", "-q", "main")  # the user looked elsewhere meanwhile

    resumed = subprocess.run(
        _autobyteus("resume", run_id, "--workspace", str(repo)),
        env=_env(tmp_path, 0),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"Run {run_id} succeeded." in resumed.stdout
    assert f"Its changes are on the branch {branch}: `autobyteus diff {run_id}`" in resumed.stderr
    assert git(repo, "branch", "--show-current").strip() == branch
    subjects = git(repo, "log", "--reverse", "--format=%s", f"main..{branch}").splitlines()
    assert subjects == [
        "Task 1: Add `most_common` to `Counter`",
        "Task 2: Write `to_csv`",
        "Task 3: Order the report by the new method",
        "Fix round 1: tally/report.py",
    ]
    trailers = git(repo, "log", f"--format=%(trailers:key={TRAILER},valueonly)", f"main..{branch}")
    assert set(filter(None, trailers.split())) == {run_id}
    assert git(repo, "status", "--porcelain") == ""
