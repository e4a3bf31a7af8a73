"""A three-task suite and a scripted model that answers the default workflow and the direct
baseline for it (imported by the bench tests; not a test module).

``adder`` is answered correctly; ``subber``'s code is wrong in a way its generated tests share,
so the run succeeds and the hidden test fails; ``muller``'s code replies are never usable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from autobyteus_core import Message
from autobyteus_core.testing import ScriptedLLM

SETTINGS = """\
[coding_steps]
refine_requirement = false
max_attempts = 2
fix_rounds = 1
"""

#: task -> (function, the right body, the body the model writes)
TASKS = {
    "adder": ("add", "a + b", "a + b"),
    "muller": ("mul", "a * b", "a * b"),
    "subber": ("sub", "a - b", "a + b"),
}


def requirement(task: str) -> str:
    function = TASKS[task][0]
    return (
        f"Write a Python module `{task}.py` that defines `{function}(a: int, b: int) -> int`, "
        f"the {function} of its two arguments.\n"
    )


def hidden_test(task: str) -> str:
    function, right, _ = TASKS[task]
    a, b = 7, 3
    return (
        f"from {task} import {function}\n\n\n"
        f"def test_{function}() -> None:\n"
        f"    assert {function}({a}, {b}) == {eval(right, {'a': a, 'b': b})}\n"
    )


def make_suite(root: Path, tasks: Sequence[str] = tuple(TASKS)) -> Path:
    """A suite folder of ``tasks``, laid out as ``autobyteus bench`` reads one."""
    for task in tasks:
        (root / task / "hidden").mkdir(parents=True)
        (root / task / "requirement.md").write_text(requirement(task), encoding="utf-8")
        (root / task / "hidden" / f"check_{task}.py").write_text(hidden_test(task), "utf-8")
    return root


def module(task: str, body: str | None = None) -> str:
    function, _, written = TASKS[task]
    return (
        f'"""The {function} of two numbers."""\n\n\n'
        f"def {function}(a: int, b: int) -> int:\n"
        f'    """Return the {function} of ``a`` and ``b``."""\n'
        f"    return {body or written}\n"
    )


def generated_test(task: str, body: str | None = None) -> str:
    """A test that agrees with the code the model writes (wrong code, wrong test)."""
    function, _, written = TASKS[task]
    expected = eval(body or written, {"a": 2, "b": 1})
    return (
        f"from {task} import {function}\n\n\n"
        f"def test_{function}() -> None:\n"
        f"    assert {function}(2, 1) == {expected}\n"
    )


def plan(task: str) -> str:
    function = TASKS[task][0]
    return f"""\
#### Task 1: Implement `{function}`
#task start#
- **Objective**: Write the `{function}` function.
- **File Specification**: `{task}.py`
- **Functionality Details**: `{function}(a: int, b: int) -> int`.
- **Integration Points**: None.
#task end#
"""


def fenced(content: str, path: str | None = None) -> str:
    label = f"`{path}`\n" if path else ""
    return f"Here it is:\n\n{label}```python\n{content}```\n"


def scripted_model(fixed: Sequence[str] = (), mended: Sequence[str] = ()) -> ScriptedLLM:
    """Answers every prompt of the three tasks; tasks in ``fixed`` get the right code, and
    those in ``mended`` get it only from the fix loop (their generated tests are right, the code
    is judged wrong and replaced)."""

    def reply(messages: Sequence[Message]) -> str:
        text = "\n".join(m.content for m in messages)
        task = next(t for t in TASKS if f"`{t}.py`" in text)
        body = TASKS[task][1] if task in fixed else None
        last = messages[-1].content
        if "Reply with every file of the solution" in last:
            return fenced(module(task, body), f"{task}.py")
        if "[SubtaskExample]" in text:
            return plan(task)
        if f"Write the test file `tests/test_{task}.py`" in last:
            return fenced(generated_test(task, TASKS[task][1] if task in mended else body))
        if task in mended and "give your verdict" in last.lower():
            return "TEST"  # the test has it right: the code goes to be fixed
        if task in mended and f"The file to fix, `{task}.py`" in last:
            return fenced(module(task, TASKS[task][1]))
        if task in mended and "The file to fix, `tests/" in last:
            return "NO CHANGE"
        if task == "muller":  # its code replies, first and re-asked, are never usable
            return "I would rather not write this."
        if f"Write the file `{task}.py`" in last:
            return fenced(module(task, body))
        raise AssertionError(f"unexpected prompt: {last[:300]}")

    return ScriptedLLM().on(r"", reply)


def adder_replies(path: Path) -> Path:
    """A replies file for the scripted provider answering the ``adder`` task in both arms."""
    rules = [
        {"match": "Reply with every file of the solution", "reply": fenced(module("adder"), "adder.py")},
        {"match": r"\[SubtaskExample\]", "reply": plan("adder")},
        {"match": "Write the test file", "reply": fenced(generated_test("adder"))},
        {"match": "Write the file `adder.py`", "reply": fenced(module("adder"))},
    ]  # fmt: skip
    path.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    return path


def autobyteus(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real ``autobyteus`` command of this environment, free of the caller's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOBYTEUS_")}
    return subprocess.run(
        [sys.executable, "-m", "autobyteus_core.cli", *args],
        cwd=cwd, env={**env, "AUTOBYTEUS_LOG_LEVEL": "warning", "COLUMNS": "88"},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
