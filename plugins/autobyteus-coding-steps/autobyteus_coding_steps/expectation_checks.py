"""Asking the LLM to judge failed ``assert f(x) == value`` lines: is the code or the test right?

Small models write tests with wrong expected values (``celsius_to_fahrenheit(32) == 0.0``) and,
asked to fix the whole test file, tend to hand it back unchanged. Asked instead one short
question per failed comparison — "`f(32)` returns `89.6`, the test expects `0.0`; work out what
the requirement says in one line, then answer CODE or TEST" — they answer far more reliably (with
Qwen2.5-Coder-1.5B, 4 of 4 right on the temperature example with the line of reasoning, 2 of 4
without it). A ``CODE``
verdict replaces the expected value in the test (a one-literal edit, noted in the round's
record); a ``TEST`` verdict is passed on to the whole-file fix of the code as a precise finding.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autobyteus_coding_steps.parsing.python_source import (
    expectation_at,
    imported_modules,
    replace_expectation,
)
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.test_output import failed_comparisons
from autobyteus_coding_steps.prompting import shown_file
from autobyteus_coding_steps.workspace_files import is_test_path, read_existing
from autobyteus_core.workflow.errors import StepFailedError
from autobyteus_core.workspace.errors import WorkspaceError

if TYPE_CHECKING:
    from autobyteus_coding_steps.options import StepOptions
    from autobyteus_coding_steps.steps.coding_step import CodingStep
    from autobyteus_core.workflow.workflow_context import WorkflowContext

_VERDICT = re.compile(r"\b(CODE|TEST)\b")


@dataclass
class Judgement:
    """What the verdicts of one round did."""

    asked: int = 0
    corrected: list[dict[str, Any]] = field(default_factory=list)
    disputed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """JSON-ready summary for the round's record."""
        return {"corrected": self.corrected, "disputed": self.disputed, "errors": self.errors}


def parse_verdict(reply: str) -> ParseResult[str]:
    """``CODE`` or ``TEST``: the last of the two words in the reply (the prompt asks for a line
    of reasoning first, then the verdict)."""
    found = _VERDICT.findall(reply.upper())
    if not found:
        return ParseResult(None, [ParseIssue("the reply gives no verdict: neither CODE nor TEST")])
    return ParseResult(found[-1])


def _literal_or_none(text: str) -> str | None:
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return text


async def judge_expectations(
    step: CodingStep,
    context: WorkflowContext,
    options: StepOptions,
    output: str,
    *,
    modules: dict[str, str],
    label: str,
    budget: int,
) -> Judgement:
    """Ask for a verdict on each failed comparison of ``output`` (at most ``budget``), in
    generated test files only, and apply the ``CODE`` verdicts to the tests."""
    judgement = Judgement()
    test_dir = context.workspace.test_dir
    generated = set(context.state.files_written)
    edited: dict[str, str] = {}
    document = (context.state.requirement_document or context.state.requirement).strip()
    for failed in failed_comparisons(output):
        if judgement.asked >= budget:
            break
        path = failed.path
        if path not in generated or not is_test_path(path, test_dir):
            continue
        try:
            source = edited.get(path) or read_existing(context.workspace, path) or ""
        except WorkspaceError:
            continue
        expectation = expectation_at(source, failed.line)
        if expectation is None:
            continue
        actual = _literal_or_none(failed.left if expectation.call_on_left else failed.right)
        if actual is None:
            continue
        importer = path[:-3].replace("/", ".")
        code_files = []
        for module in imported_modules(source, importer, modules):
            content = read_existing(context.workspace, modules[module])
            if content:
                code_files.append(
                    shown_file(modules[module], content, options.max_prompt_file_chars)
                )
        values = {
            "project_type": context.workspace.project_type or "software",
            "requirement_document": document,
            "code_files": code_files,
            "test_path": path,
            "line": failed.line,
            "assertion": source.split("\n")[failed.line - 1].strip(),
            "call": expectation.call,
            "actual": actual,
            "expected": expectation.expected,
        }
        judgement.asked += 1
        try:
            answer = await step.ask(
                context,
                step.messages(context, "check", values),
                key=f"{label}/{path}:{failed.line}",
                parse=parse_verdict,
                what=f"the verdict on `{path}` line {failed.line}",
                instruction="Give your verdict on a line of its own: CODE or TEST.",
            )
        except StepFailedError as exc:
            judgement.errors.append(str(exc))
            continue
        finding = {"path": path, "line": failed.line, "call": expectation.call,
                   "expected": expectation.expected, "actual": actual}  # fmt: skip
        if answer.value == "CODE":
            edited[path] = replace_expectation(source, expectation, actual)
            judgement.corrected.append(finding)
        else:
            judgement.disputed.append(
                f"`{expectation.call}` should return `{expectation.expected}` (the requirement "
                f"says so) but returns `{actual}`"
            )
    for path, content in edited.items():
        context.write_file(path, content)
    return judgement
