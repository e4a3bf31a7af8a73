"""The projects suite's brownfield tasks: each starting package passes its own tests, its
hidden tests of the old behaviour pass on it and every hidden test of the new feature fails on
it (the feature is really needed); and a bench run copies the starting package into the
workspace before the workflow starts."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from autobyteus_bench.runner import BenchConfig, run_suite
from autobyteus_bench.suites import load_suite
from autobyteus_bench.tasks import BenchTask
from bench_testkit.harness import SETTINGS

from autobyteus_core import Application
from autobyteus_core.testing import ScriptedLLM

REFERENCES = Path(__file__).parent / "data" / "references"
BROWNFIELD = [task for task in load_suite("projects") if task.start]


def pytest_outcomes(root: Path, *paths: str) -> dict[str, str]:
    """``file::test`` -> ``passed``/``failed`` of a pytest run of ``paths`` in ``root``."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o",
         "python_files=check_*.py test_*.py", "--junitxml=report.xml", *paths],
        cwd=root, capture_output=True, text=True, timeout=300, check=False,
        env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    outcomes = {}
    for case in ET.parse(root / "report.xml").iter("testcase"):
        failed = any(child.tag in ("failure", "error") for child in case)
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = "failed" if failed else "passed"
    assert outcomes, proc.stdout[-2000:]
    return outcomes


def lay_out(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


def test_the_suite_has_three_brownfield_tasks_each_a_small_package_with_its_own_tests() -> None:
    assert sorted(task.id for task in BROWNFIELD) == ["gradebook", "ledger", "units"]
    for task in BROWNFIELD:
        modules = [p for p in task.start if p.startswith(f"{task.id}/") and p.endswith(".py")]
        assert 3 <= len(modules) <= 5, modules  # 2-4 modules and the __init__.py
        assert any(p.startswith("tests/test_") for p in task.start)
        assert {f"check_{task.id}.py", f"check_{task.id}_kept.py"} <= set(task.hidden)


@pytest.mark.parametrize("task", BROWNFIELD, ids=lambda task: task.id)
def test_the_starting_package_keeps_its_behaviour_and_lacks_the_feature(
    task: BenchTask, tmp_path: Path
) -> None:
    lay_out(tmp_path, task.start)
    lay_out(tmp_path / "bench_hidden", task.hidden)
    name = task.id
    kept = pytest_outcomes(tmp_path, "tests", f"bench_hidden/check_{name}_kept.py")
    assert set(kept.values()) == {"passed"}, kept
    new = pytest_outcomes(tmp_path, f"bench_hidden/check_{name}.py")
    assert set(new.values()) == {"failed"}, new  # not one new test passes without the feature


@pytest.mark.parametrize("task", BROWNFIELD, ids=lambda task: task.id)
def test_the_reference_keeps_the_starting_packages_own_tests_passing(
    task: BenchTask, tmp_path: Path
) -> None:
    lay_out(tmp_path, task.start)
    shutil.copytree(REFERENCES / task.id, tmp_path, dirs_exist_ok=True)  # the files it changes
    assert set(pytest_outcomes(tmp_path, "tests").values()) == {"passed"}


def test_a_bench_run_starts_from_the_tasks_starting_package(
    app: Application, tmp_path: Path
) -> None:
    suite = tmp_path / "suite"
    lay_out(
        suite / "adder",
        {
            "requirement.md": "Write `extra.py` defining `sub(a, b)` with the existing `add`.\n",
            "start/adder.py": '"""Sums."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n',
            "start/tests/test_adder.py": "from adder import add\n\n\ndef test_add():\n"
            "    assert add(2, 3) == 5\n",
            "hidden/check_adder.py": "from adder import add\nfrom extra import sub\n\n\n"
            "def test_both():\n    assert add(2, 3) == 5 and sub(5, 3) == 2\n",
        },
    )
    extra = "from adder import add\n\n\ndef sub(a: int, b: int) -> int:\n    return add(a, -b)\n"
    llm = (
        ScriptedLLM()
        .on(r"Write the file `extra\.py`", f"```python\n{extra}```")
        .on(r"Write the test file", "```python\nfrom extra import sub\n\n\ndef test_sub():\n"
            "    assert sub(5, 3) == 2\n```")
    )  # fmt: skip
    settings = tmp_path / "settings.toml"
    settings.write_text(SETTINGS, encoding="utf-8")
    config = BenchConfig(model=llm, model_id=llm.model_id, out=tmp_path / "out",
                         settings_file=settings)  # fmt: skip
    config.out.mkdir()
    (record,) = asyncio.run(run_suite(load_suite(str(suite)), ("workflow",), config, app, jobs=1))
    assert record["hidden_passed"] is True, record
    workspace = Path(record["workspace"])
    assert (workspace / "adder.py").read_text(encoding="utf-8").startswith('"""Sums."""')
    assert (workspace / "tests/test_adder.py").is_file()
    # the workflow saw the starting package: the implementation prompt maps it
    (prompt,) = [call.prompt for call in llm.calls if "Write the file `extra.py`" in call.prompt]
    assert "adder.py  # Sums.\n  def add(a: int, b: int) -> int" in prompt
