"""The catalogue of malformed and malicious replies (``data/malformed_replies/`` beside this file).

Each case is a reply file and an expected outcome in ``manifest.json``. The reply is served by a
scripted LLM to the real step that would receive it (a plan to ArchitectureDesignStep, a file or edit
blocks to ImplementationStep, tests to TestGenerationStep), over a real workspace and the core's safe
writer; if the step asks again, a good reply follows. Every case must end as the manifest says —
accepted, re-asked quoting the problem, or failed with a clear error — and nothing may ever be
written outside the workspace or into its control folders.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from autobyteus_coding_steps import CodingPlan
from autobyteus_coding_steps.steps.architecture_design_step import ArchitectureDesignStep
from autobyteus_coding_steps.steps.coding_step import CodingStep
from autobyteus_coding_steps.steps.implementation_step import ImplementationStep
from autobyteus_coding_steps.steps.test_generation_step import TestGenerationStep
from autobyteus_coding_steps.workspace_files import read_existing
from coding_steps_testkit.harness import FakeContext
from coding_steps_testkit.samples import COUNTER_SOURCE, COUNTER_TESTS, fenced, subtask

from autobyteus_core import StepFailedError
from autobyteus_core.testing import ScriptedLLM

CATALOGUE = Path(__file__).resolve().parent / "data" / "malformed_replies"
MANIFEST = CATALOGUE / "manifest.json"

GOOD_PLAN = (
    "#### Task 1: Good\n#task start#\n- **Objective**: Count words.\n"
    "- **File Specification**: `goodpkg/module.py`\n#task end#\n"
)
GOOD_REPLIES = {
    "plan": GOOD_PLAN,
    "file": fenced("def fixed() -> int:\n    return 1\n"),
    "named": "`extra/ok.py`\n```python\nOK = 1\n```\n",
    "tests": fenced(COUNTER_TESTS),
    "edit": "`wordfreq/counter.py`\n<<<<<<< SEARCH\n    return counts\n=======\n    return counts"
    "\n\n\ndef total_words(text: str) -> int:\n    return sum(count_words(text).values())\n"
    ">>>>>>> REPLACE\n",
}


def _cases() -> list[dict[str, Any]]:
    # Tolerant at collection time so a missing manifest does not abort the whole run; the
    # completeness test below asserts it is there, so a missing catalogue fails, never skips.
    if not MANIFEST.is_file():
        return []
    return list(json.loads(MANIFEST.read_text(encoding="utf-8"))["cases"])


def _reply(case: dict[str, Any]) -> str:
    generate = case.get("generate")
    if generate:
        unit = generate["repeat"]
        return generate["prefix"] + unit * (generate["chars"] // len(unit) + 1)
    return (CATALOGUE / case["reply"]).read_bytes().decode("utf-8")  # CRLF kept


def _setup(case: dict[str, Any], workspace: Path, outside: Path) -> None:
    setup = case.get("setup", {})
    for folder in setup.get("dirs", []):
        (workspace / folder).mkdir(parents=True)
    for path, content in setup.get("files", {}).items():
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        (workspace / path).write_text(content, encoding="utf-8")
    for link, target in setup.get("symlinks", {}).items():
        os.symlink(outside if target == "OUTSIDE" else workspace / target, workspace / link)


def _step_and_state(case: dict[str, Any], context: FakeContext) -> CodingStep:
    kind = case["kind"]
    if kind == "plan":
        CodingPlan.of(
            context
        ).requirement_document = "Build a package `wordfreq` that counts words."
        return ArchitectureDesignStep("architecture_design")
    if kind == "file":
        CodingPlan.of(context).subtasks = [subtask(1, case.get("path", "wordfreq/counter.py"))]
        return ImplementationStep("implementation")
    if kind == "edit":  # an existing file (the counter unless the case sets one up), edited
        if read_existing(context.workspace, "wordfreq/counter.py") is None:
            context.write_file("wordfreq/counter.py", COUNTER_SOURCE)
        CodingPlan.of(context).subtasks = [subtask(1, "wordfreq/counter.py")]
        return ImplementationStep("implementation", {"edit_blocks_above_chars": 0})
    if kind == "named":
        CodingPlan.of(context).subtasks = [subtask(1, None, objective="Add a helper module")]
        return ImplementationStep("implementation")
    if kind == "tests":
        context.write_file("wordfreq/counter.py", COUNTER_SOURCE)
        return TestGenerationStep("test_generation")
    raise AssertionError(f"unknown kind {kind!r}")


def _all_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_the_catalogue_is_large_enough_and_complete() -> None:
    assert MANIFEST.is_file(), f"the malformed-reply catalogue is missing: {MANIFEST}"
    cases = _cases()
    assert len(cases) >= 20, f"the catalogue holds {len(cases)} cases, at least 20 expected"
    assert {c["outcome"] for c in cases} == {"accepted", "reasked", "failed"}
    for case in cases:
        assert "generate" in case or (CATALOGUE / case["reply"]).is_file(), case["id"]
        assert case["outcome"] == "accepted" or case.get("message"), case["id"]


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case["id"])
async def test_catalogue_case(case: dict[str, Any], tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    outside = tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    _setup(case, workspace, outside)
    before = _all_files(tmp_path)
    good = case.get("good", GOOD_REPLIES[case["kind"]])
    llm = ScriptedLLM().queue(_reply(case), good, good)
    context = FakeContext(workspace, llm)
    step = _step_and_state(case, context)
    prompts_before = len(llm.calls)

    error: StepFailedError | None = None
    try:
        await step.execute(context)
    except StepFailedError as exc:
        error = exc
    calls = llm.calls[prompts_before:]

    outcome = case["outcome"]
    if outcome == "failed":
        assert error is not None, "the step should have failed"
        assert case["message"] in str(error)
    else:
        assert error is None, f"the step failed: {error}"
    if outcome == "accepted":
        assert len(calls) == 1, [c.prompt[:120] for c in calls[1:]]
    if outcome == "reasked":
        assert len(calls) == 2, f"{len(calls)} calls"
        reask = calls[1].prompt
        assert reask.startswith("Your reply could not be used:")
        assert case["message"] in reask, reask
    for path, fragment in case.get("written", {}).items():
        assert fragment in (workspace / path).read_text(encoding="utf-8")
    for path, fragment in case.get("written_bytes", {}).items():
        assert fragment.encode("utf-8") in (workspace / path).read_bytes()
    if "subtasks" in case:
        assert len(CodingPlan.of(context).subtasks) == case["subtasks"]

    # Nothing outside the workspace, nothing in a control folder, nothing the plan did not name.
    assert list(outside.iterdir()) == []
    created = _all_files(tmp_path) - before
    assert all(path.startswith("workspace/") for path in created), created
    assert not any(
        part in (".git", ".autobyteus", ".venv") for path in created for part in path.split("/")
    )
    allowed = {f"workspace/{p}" for p in context.state.files_written}
    allowed |= {"/".join(p.split("/")[:i]) for p in allowed for i in range(2, p.count("/") + 1)}
    assert created <= allowed, created - allowed
