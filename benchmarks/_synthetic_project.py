"""The project the benchmarks build: N independent modules, synthesised from the prompts.

The replies a scripted LLM (in-process, or the loopback OpenAI-compatible server) gives the
default workflow's steps: a requirement document, a plan of N subtasks that mention no other
(so all N are independent), each module (``bench/mNNN.py`` defining ``vNNN() -> int``) and one
trivial pytest file per module. Replies are computed from the last user message, so any
concurrency or order works.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autobyteus_core import hookimpl

if TYPE_CHECKING:
    from autobyteus_openai.testing import OpenAIServer

PACKAGE = "bench"

REQUIREMENT_DOCUMENT = """## Background
A package of small independent modules, used to measure autobyteus.

## Functional requirements
1. Each module `bench/mNNN.py` defines `vNNN() -> int` returning NNN.

## Constraints
- Python 3, standard library only; package `bench`.

## Acceptance criteria
1. `v007()` returns 7.
"""

#: Regexes telling the prompts of the coding steps apart (searched in the last user message).
REQUIREMENT_PROMPT = r"Rewrite the requirement below"
PLAN_PROMPT = r"Break the feature requirements"
TESTS_PROMPT = r"Write pytest tests for one module"
MODULE_PROMPT = r"You are implementing one subtask"


#: The file an implementation prompt asks for (new, or existing and to be updated).
MODULE_FILE = re.compile(r"Write the (?:whole updated )?file `([^`]+)`")
#: The module a test-generation prompt shows.
TESTED_MODULE = re.compile(r"\[The module `([^`]+)`")

#: The kinds of request of a run, in order, by the prompt pattern that tells them apart.
PHASES = {
    "requirement": REQUIREMENT_PROMPT,
    "plan": PLAN_PROMPT,
    "modules": MODULE_PROMPT,
    "tests": TESTS_PROMPT,
}


def phase_of(prompt: str) -> str:
    """Which kind of request a prompt is (``other`` for re-asks and fixes)."""
    for name, pattern in PHASES.items():
        if re.search(pattern, prompt):
            return name
    return "other"


def call_subject(prompt: str) -> str:
    """What a prompt asks for, whatever its wording: ``requirement``, ``plan``,
    ``modules:<path>``, ``tests:<module>``, or the prompt itself for anything else."""
    phase = phase_of(prompt)
    if phase == "modules":
        return f"modules:{_target(MODULE_FILE, prompt)}"
    if phase == "tests":
        return f"tests:{_target(TESTED_MODULE, prompt)}"
    return phase if phase != "other" else prompt


def _target(pattern: re.Pattern[str], prompt: str) -> str:
    match = pattern.search(prompt)
    if match is None:
        raise ValueError(f"no target in the prompt: {prompt[:200]!r}")
    return match.group(1)


def last_user_text(body: dict[str, Any]) -> str:
    """The last user message of a chat request body."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else str(content)
    return ""


def script_server(server: OpenAIServer, count: int) -> None:
    """Make the loopback server answer every prompt of a run of ``count`` subtasks."""
    for pattern, reply in reply_rules(count):
        if callable(reply):
            server.on(pattern, lambda body, reply=reply: reply(last_user_text(body)))
        else:
            server.on(pattern, reply)


def requirement(count: int) -> str:
    """The requirement given to the run."""
    return f"Write {count} small independent modules in the package {PACKAGE}."


def plan_reply(count: int) -> str:
    """An architecture reply of ``count`` subtasks, none mentioning another."""
    return "\n".join(
        f"#### Task {n}: Module m{n:03d}\n"
        "#task start#\n"
        f"- **Objective**: Provide the value function `v{n:03d}`.\n"
        f"- **File Specification**: `{PACKAGE}/m{n:03d}.py`\n"
        f"- **Functionality Details**: `v{n:03d}() -> int` returns {n}.\n"
        "- **Integration Points**: None.\n"
        "#task end#\n"
        for n in range(1, count + 1)
    )


def _number(name: str) -> int:
    return int(re.sub(r"\D", "", name))


def module_reply(prompt: str) -> str:
    """The whole module an implementation prompt asks for."""
    number = _number(Path(_target(MODULE_FILE, prompt)).stem)
    return f"```python\ndef v{number:03d}() -> int:\n    return {number}\n```\n"


def tests_reply(prompt: str) -> str:
    """A trivial pytest file for the module a test-generation prompt shows."""
    name = _target(TESTED_MODULE, prompt)
    number = _number(name.rsplit(".", 1)[-1])
    return (
        f"```python\nfrom {name} import v{number:03d}\n\n\n"
        f"def test_v{number:03d}():\n    assert v{number:03d}() == {number}\n```\n"
    )


def reply_rules(count: int) -> list[tuple[str, str | Callable[[str], str]]]:
    """(pattern, reply) rules answering every prompt of a run of ``count`` subtasks: a string,
    or a function of the last user message."""
    return [
        (REQUIREMENT_PROMPT, REQUIREMENT_DOCUMENT),
        (PLAN_PROMPT, plan_reply(count)),
        (TESTS_PROMPT, tests_reply),
        (MODULE_PROMPT, module_reply),
    ]


def llm_calls(count: int) -> int:
    """LLM calls of a run where every reply is accepted: requirement, plan, N modules, N tests."""
    return 2 + 2 * count


def write_workspace_config(workspace: Path, count: int, extra: str = "") -> None:
    """``autobyteus.toml`` allowing a plan of ``count`` subtasks (plus ``extra`` TOML)."""
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "autobyteus.toml").write_text(
        f"{extra}\n[coding_steps]\nmax_subtasks = {max(count, 1)}\n", encoding="utf-8"
    )


class NoTestsWorkspace:
    """A plugin registering a python workspace type without a test command, ranked above the
    built-in one: the ``run_tests`` step is then skipped (no import check, no pytest)."""

    @hookimpl
    def register_workspace_settings(self, register: Callable[[object], None]) -> None:
        """Register ``python-no-tests``."""
        from autobyteus_core import WorkspaceType

        register(
            WorkspaceType(
                name="python-no-tests",
                description="python, with run_tests skipped (benchmark)",
                priority=1000,
                default_for_empty=True,
                source_dir=".",
                test_dir="tests",
                test_framework="pytest",
                test_file_pattern="test_{module}.py",
                file_extensions=(".py",),
            )
        )
