"""Scoring runs the candidate in a subprocess on a copy of its workspace, with a timeout: a
candidate that loops, deletes files or writes outside is stopped and scored as failed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from autobyteus_bench.humaneval import read_problems, task_of
from autobyteus_bench.isolation import confined
from autobyteus_bench.scoring import Score, score_workspace
from autobyteus_bench.tasks import BenchTask

needs_sandbox = pytest.mark.xfail(
    not confined(),
    strict=True,
    reason="bubblewrap does not work here: the file system is not confined",
)

CHECK = "def check(candidate):\n    assert candidate(2, 3) == 5\n"


def humaneval_task() -> BenchTask:
    return BenchTask(id="t", requirement="", scoring="humaneval", hidden={"check.py": CHECK},
                     entry_point="add")  # fmt: skip


def score(task: BenchTask, workspace: Path, files: dict[str, str], timeout_s: float = 20) -> Score:
    workspace.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (workspace / name).write_text(text, encoding="utf-8")
    return asyncio.run(score_workspace(task, workspace, timeout_s=timeout_s))


ADD = "def add(a, b):\n    return a + b\n"


def test_a_right_and_a_wrong_candidate(tmp_path: Path) -> None:
    assert score(humaneval_task(), tmp_path / "right", {"solution.py": ADD}).passed
    wrong = score(humaneval_task(), tmp_path / "wrong", {"solution.py": ADD.replace("+", "-")})
    assert (wrong.passed, wrong.timed_out) == (False, False)
    assert "AssertionError" in wrong.detail


def test_a_candidate_that_loops_forever_is_stopped(tmp_path: Path) -> None:
    looping = ADD + "while True:\n    pass\n"
    result = score(humaneval_task(), tmp_path / "ws", {"solution.py": looping}, timeout_s=3)
    assert (result.passed, result.timed_out) == (False, True)


def test_exiting_early_with_status_0_is_not_a_pass(tmp_path: Path) -> None:
    quitter = "import os\nos._exit(0)\n"
    assert not score(humaneval_task(), tmp_path / "ws", {"solution.py": quitter}).passed


def test_deleting_the_hidden_tests_fails_and_the_workspace_is_untouched(tmp_path: Path) -> None:
    task = BenchTask(
        id="p", requirement="", scoring="pytest",
        hidden={"check_add.py": "from adder import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"},
    )  # fmt: skip
    vandal = (
        "import os, shutil\n"
        "shutil.rmtree(os.path.join(os.getcwd(), 'bench_hidden'), ignore_errors=True)\n"
        "for name in os.listdir('.'):\n"
        "    if os.path.isfile(name):\n"
        "        os.remove(name)\n"
        "os._exit(0)\n" + ADD
    )
    workspace = tmp_path / "ws"
    result = score(task, workspace, {"adder.py": vandal, "notes.txt": "keep me"})
    assert not result.passed
    assert (workspace / "adder.py").read_text(encoding="utf-8") == vandal
    assert (workspace / "notes.txt").is_file()


@needs_sandbox
def test_a_candidate_writing_outside_is_stopped(tmp_path: Path) -> None:
    canary = tmp_path / "outside" / "canary.txt"
    canary.parent.mkdir()
    writer = f"open({str(canary)!r}, 'w').write('escaped')\n" + ADD
    result = score(humaneval_task(), tmp_path / "ws", {"solution.py": writer})
    assert not canary.exists()
    assert not result.passed


@needs_sandbox
def test_a_candidate_deleting_outside_is_stopped(tmp_path: Path) -> None:
    canary = tmp_path / "outside" / "canary.txt"
    canary.parent.mkdir()
    canary.write_text("precious", encoding="utf-8")
    deleter = f"import os\nos.remove({str(canary)!r})\n" + ADD
    result = score(humaneval_task(), tmp_path / "ws", {"solution.py": deleter})
    assert canary.read_text(encoding="utf-8") == "precious"
    assert not result.passed


def test_the_humaneval_suite_is_the_packages_164_problems() -> None:
    problems = read_problems()
    assert len(problems) == 164
    assert [p["task_id"] for p in problems[:2]] == ["HumanEval/0", "HumanEval/1"]
    task = task_of(problems[0])
    assert "`solution.py`" in task.requirement and "`has_close_elements`" in task.requirement
    assert "def check(candidate)" in task.hidden["check.py"]
    assert "def check" not in task.requirement


@pytest.mark.parametrize("number", [0, 38])
def test_a_canonical_solution_passes_and_a_wrong_one_fails(tmp_path: Path, number: int) -> None:
    # 38's check calls encode_cyclic, a helper its prompt defines next to decode_cyclic.
    problem = read_problems()[number]
    task = task_of(problem)
    right = problem["prompt"] + problem["canonical_solution"]
    assert score(task, tmp_path / "right", {"solution.py": right}).passed
    wrong = problem["prompt"] + "    return None\n"
    assert not score(task, tmp_path / "wrong", {"solution.py": wrong}).passed
