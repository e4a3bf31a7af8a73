"""The task suites: ``humaneval``, ``projects``, or a folder laid out like ``projects``.

A suite folder holds one folder per task (sorted by name)::

    <task>/requirement.md     what the workflow is asked
    <task>/hidden/check_*.py  pytest tests the workflow never sees (other hidden files: helpers)
    <task>/start/...          optional: a starting package copied into the workspace
                              (brownfield tasks; the hidden tests check old and new behaviour)
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from autobyteus_bench.tasks import BenchTask, read_tree
from autobyteus_core import AutobyteusError

BUILT_IN = ("humaneval", "projects")


class SuiteError(AutobyteusError):
    """A suite that cannot be read, or a task selection it does not have."""


def load_suite(name: str) -> list[BenchTask]:
    """The tasks of the built-in suite ``name``, or of the suite folder at that path."""
    if name == "humaneval":
        from autobyteus_bench.humaneval import humaneval_tasks

        return humaneval_tasks()
    if name == "projects":
        return read_suite_folder(Path(str(resources.files("autobyteus_bench") / "suites" / name)))
    path = Path(name).expanduser()
    if not path.is_dir():
        raise SuiteError(
            f"unknown suite {name!r}: give {' or '.join(BUILT_IN)}, or a folder of task folders"
        )
    return read_suite_folder(path)


def read_suite_folder(root: Path) -> list[BenchTask]:
    """Every task folder under ``root`` (see the module docstring)."""
    tasks = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        requirement = folder / "requirement.md"
        hidden = folder / "hidden"
        if not requirement.is_file() or not hidden.is_dir():
            raise SuiteError(f"task folder {folder} needs requirement.md and hidden/")
        checks = read_tree(hidden)
        if not any(Path(n).name.startswith("check_") for n in checks):
            raise SuiteError(f"task folder {folder}: hidden/ has no check_*.py test file")
        start = folder / "start"
        tasks.append(
            BenchTask(
                id=folder.name,
                requirement=requirement.read_text(encoding="utf-8").strip() + "\n",
                scoring="pytest",
                hidden=checks,
                start=read_tree(start) if start.is_dir() else {},
            )
        )
    if not tasks:
        raise SuiteError(f"the suite folder {root} has no task folders")
    return tasks


def select(tasks: list[BenchTask], picks: str | None, limit: int | None) -> list[BenchTask]:
    """``picks`` (``1,5,9``: positions in the suite, from 0, or task ids) or the first
    ``limit`` tasks; all of them when neither is given."""
    if picks:
        by_id = {task.id: task for task in tasks}
        chosen = []
        for item in (p.strip() for p in picks.split(",") if p.strip()):
            if item in by_id:
                chosen.append(by_id[item])
            elif item.isdigit() and int(item) < len(tasks):
                chosen.append(tasks[int(item)])
            else:
                raise SuiteError(
                    f"--tasks: no task {item!r} (positions 0-{len(tasks) - 1}, or a task id)"
                )
        tasks = list({task.id: task for task in chosen}.values())
    return tasks[:limit] if limit is not None else tasks
