"""The smaller parts: the Wilson interval, task selection, suite folders, the baseline's
reading of hostile replies, and the projects suite's hidden tests against reference code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from autobyteus_bench.direct import GENERIC_PATH, DirectAnswerStep, example_path
from autobyteus_bench.provenance import code_version
from autobyteus_bench.report import render_report
from autobyteus_bench.stats import wilson_interval
from autobyteus_bench.suites import SuiteError, load_suite, select

from autobyteus_core import Application, RunState, Workflow, WorkflowStatus
from autobyteus_core.testing import ScriptedLLM

REFERENCES = Path(__file__).parent / "data" / "references"


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_wilson_interval(successes: int, trials: int, low: float, high: float) -> None:
    assert wilson_interval(successes, trials) == pytest.approx((low, high), abs=5e-5)


def test_tasks_are_chosen_by_position_or_id_and_limited(suite: Path) -> None:
    tasks = load_suite(str(suite))
    assert [t.id for t in tasks] == ["adder", "muller", "subber"]
    assert [t.id for t in select(tasks, "2,adder,2", None)] == ["subber", "adder"]
    assert [t.id for t in select(tasks, None, 2)] == ["adder", "muller"]
    with pytest.raises(SuiteError, match="no task '7'"):
        select(tasks, "7", None)


def test_a_suite_folder_needs_a_requirement_and_hidden_tests(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    with pytest.raises(SuiteError, match=r"needs requirement\.md and hidden/"):
        load_suite(str(tmp_path))


def test_brownfield_start_files_are_read(suite: Path) -> None:
    start = suite / "adder" / "start" / "adder"
    start.mkdir(parents=True)
    (start / "__init__.py").write_text("VERSION = 1\n", encoding="utf-8")
    (task,) = [t for t in load_suite(str(suite)) if t.id == "adder"]
    assert task.start == {"adder/__init__.py": "VERSION = 1\n"}


def direct_run(
    app: Application, workspace: Path, reply: str, requirement: str
) -> tuple[RunState, ScriptedLLM]:
    """The baseline's one-step workflow run on ``requirement``, the model answering ``reply``."""
    llm = ScriptedLLM().queue(reply)
    flow = Workflow.from_steps([DirectAnswerStep], app=app, workspace=workspace, model=llm)
    return flow.run(requirement=requirement), llm


@pytest.mark.parametrize("path", ["../escape.py", "/tmp/escape.py", ".git/hooks/pre-commit"])
def test_the_baseline_writes_nothing_outside_the_workspace(
    autobyteus_app: Application, tmp_path: Path, path: str
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    run, _ = direct_run(
        autobyteus_app,
        workspace,
        f"`{path}`\n```python\nprint('escaped')\n```\n",
        "Write `two.py` and `three.py`.",
    )
    assert run.status is WorkflowStatus.FAILED
    assert "could not be read as files" in (run.error or "")
    assert not (tmp_path / "escape.py").exists()
    assert [p.name for p in workspace.iterdir()] == [".autobyteus"]


def test_an_unlabelled_reply_for_one_named_file_is_that_file_but_not_well_formed(
    autobyteus_app: Application, tmp_path: Path
) -> None:
    run, _ = direct_run(
        autobyteus_app,
        tmp_path,
        "```python\ndef f():\n    return 1\n```\n",
        "Write `solution.py` defining `f`.",
    )
    assert run.status is WorkflowStatus.SUCCEEDED
    assert (tmp_path / "solution.py").read_text(encoding="utf-8").startswith("def f():")
    assert run.steps["bench_direct"].output["well_formed"] is False


def test_the_prompts_example_path_is_one_the_requirement_names_inside_a_folder(
    autobyteus_app: Application, tmp_path: Path
) -> None:
    run, llm = direct_run(
        autobyteus_app,
        tmp_path,
        "`romans/convert.py`\n```python\nX = 1\n```\n",
        "- `romans/convert.py` defines `to_roman`; `romans/__main__.py`.",
    )
    assert run.status is WorkflowStatus.SUCCEEDED
    prompt = llm.calls[0].prompt
    assert "like this:\n\n`romans/convert.py`\n```python" in prompt and "package/" not in prompt
    assert example_path("Write `solution.py` defining `f`.") == GENERIC_PATH


def test_every_project_is_solvable_its_hidden_tests_pass_on_reference_code(tmp_path: Path) -> None:
    # Every reference package and every task's hidden tests in one folder, one pytest run.
    tasks = load_suite("projects")
    assert 8 <= len(tasks) <= 16
    for task in tasks:
        for path, text in task.start.items():  # a brownfield reference holds what it changed
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text, encoding="utf-8")
        shutil.copytree(REFERENCES / task.id, tmp_path, dirs_exist_ok=True)
        for name, text in task.hidden.items():
            (tmp_path / "bench_hidden" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "bench_hidden" / name).write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o",
         "python_files=check_*.py", "--junitxml=report.xml", "bench_hidden"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:]
    report = (tmp_path / "report.xml").read_text(encoding="utf-8")
    assert all(f'.check_{task.id}"' in report for task in tasks)


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_code_measured_is_the_checkouts_commit_and_says_when_it_is_dirty(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "core.py").write_text("VALUE = 1\n", encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")
    commit = _git(repo, "rev-parse", "HEAD")

    assert code_version(repo / "pkg") == f"git:{commit[:12]}"
    (repo / "untracked.txt").write_text("results\n", encoding="utf-8")
    assert code_version(repo / "pkg") == f"git:{commit[:12]}"  # bench output is not code
    (repo / "pkg" / "core.py").write_text("VALUE = 2\n", encoding="utf-8")
    assert code_version(repo / "pkg") == f"git:{commit[:12]}+dirty"
    outside = tmp_path / "installed"
    outside.mkdir()
    assert code_version(outside).startswith("autobyteus-core ")


def test_a_report_over_two_versions_of_the_code_says_so() -> None:
    one = {"task": "a", "arm": "workflow", "hidden_passed": True, "code": "git:aaa"}
    two = {"task": "b", "arm": "workflow", "hidden_passed": False, "code": "git:bbb"}
    assert "Code: git:aaa." in render_report([one], {})
    mixed = render_report([one, two, {**two, "task": "c"}], {})
    assert "Code: **several versions**, git:bbb (2 task runs), git:aaa (1 task run)" in mixed
    assert "Code: unknown." in render_report([{"task": "a", "arm": "direct"}], {})


def test_the_examples_survey_finds_examples_and_the_ones_a_solution_disagrees_with() -> None:
    from autobyteus_bench.examples_survey import survey

    def problem(task_id: str, docstring: str, body: str) -> dict[str, str]:
        prompt = f'def double(x):\n    """Twice x.\n{docstring}    """\n'
        return {
            "task_id": task_id,
            "prompt": prompt,
            "canonical_solution": body,
            "entry_point": "double",
            "test": "",
        }

    result = survey(
        [
            problem("T/0", "    >>> double(2)\n    4\n", "    return 2 * x\n"),
            problem(
                "T/1", "    double(2) returns 5\n    double(y) returns 4\n", "    return 2 * x\n"
            ),
            problem("T/2", "    Doubles it.\n", "    return 2 * x\n"),
        ]
    )
    assert [len(result.found[t]) for t in ("T/0", "T/1", "T/2")] == [1, 1, 0]
    assert result.without == ["T/2"]
    [(task_id, example, why)] = result.disagreeing
    assert (task_id, example.call, why) == ("T/1", "double(2)", "gives 4")
