"""Asking the LLM to judge failed ``assert f(x) == value`` lines (and ``assert f(x)``, ``assert not
f(x)``, ``pytest.raises``): is the code or the test right?

Small models write tests with wrong expected values (``celsius_to_fahrenheit(32) == 0.0``) and,
asked to fix the whole test file, tend to hand it back unchanged. Asked instead one short
question per failed comparison — "`f(32)` returns `89.6`, the test expects `0.0`; work out what
the requirement says in one line, then answer CODE or TEST" — they answer far more reliably (with
Qwen2.5-Coder-1.5B, 4 of 4 right on the temperature example with the line of reasoning, 2 of 4
without it). A ``CODE``
verdict replaces the expected value in the test (a one-literal edit, noted in the round's
record); a ``TEST`` verdict is passed on to the whole-file fix of the code as a precise finding.
A check that the user's own requirement states (:func:`stated_by_user`) is not asked about: it
is the source of truth, and goes to the code fix as such.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autobyteus_coding_steps.outputs import CodingPlan
from autobyteus_coding_steps.parsing.pytest_output import (
    FailedComparison,
    errored_tests,
    failed_comparisons,
    failed_truths,
    missing_raises,
    normalise_output,
    raised_in_traceback,
)
from autobyteus_coding_steps.parsing.python_source import (
    expectation_at,
    imported_modules,
    raises_block_at,
    remove_lines,
    replace_expectation,
    toggled_truth,
    truth_check_at,
)
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.requirement_examples import requirement_examples
from autobyteus_coding_steps.prompting import shown_file, without_shown_code
from autobyteus_coding_steps.workspace_files import is_test_path, read_existing
from autobyteus_core import StepFailedError, WorkspaceError, child_environment

if TYPE_CHECKING:
    from autobyteus_coding_steps.options import StepOptions
    from autobyteus_coding_steps.steps.coding_step import CodingStep
    from autobyteus_core import WorkflowContext

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
    """``CODE`` or ``TEST``, written in capitals: the verdict on a line of its own (the prompt
    asks for a line of reasoning first) or else the last capitalised verdict word. Ordinary
    words of the reasoning ("the test expects...") never count."""
    for line in reversed(reply.strip().splitlines()):
        word = line.strip().strip("*_`.:!\"' ").upper()
        if word in ("CODE", "TEST") and line.strip().strip("*_`.:!\"' ").isupper():
            return ParseResult(word)
    found = _VERDICT.findall(reply)
    if not found:
        return ParseResult(None, [ParseIssue("the reply gives no verdict: neither CODE nor TEST")])
    return ParseResult(found[-1])


def stated_by_user(requirement: str, call: str, claim: str) -> bool:
    """Whether the user's own requirement states the check: a line of it holds ``call`` and,
    after it, ``claim`` (white space ignored). Such a check is the source of truth; it is never
    put to the LLM, whose verdict could rewrite it to what the code does."""
    squeezed_call, squeezed_claim = re.sub(r"\s+", "", call), re.sub(r"\s+", "", claim)
    if not squeezed_call or not squeezed_claim:
        return False
    for example in requirement_examples(requirement):
        stated = re.sub(r"\s+", "", example.expected or example.raises or "")
        if re.sub(r"\s+", "", example.call) == squeezed_call and stated == squeezed_claim:
            return True  # a doctest session states the value on the line after the call
    for line in requirement.splitlines():
        text = re.sub(r"\s+", "", line)
        at = text.find(squeezed_call)
        if at >= 0 and text.find(squeezed_claim, at + len(squeezed_call)) >= 0:
            return True
    return False


def _unwrapped(expected: str) -> str:
    """The literal of an expected value (``212.0`` of ``pytest.approx(212.0)``)."""
    match = re.fullmatch(r"\s*pytest\.approx\((.*?)(?:,.*)?\)\s*", expected)
    return match.group(1).strip() if match else expected.strip()


def _literal_or_none(text: str) -> str | None:
    """``text`` when it is the whole value as a literal. pytest shortens long values in its
    one-line report (``'abcdefghijkl...mlkjihgfedcba'``), which still parses: written into a test
    as the expected value, it failed again, and the same correction was made round after round
    (HumanEval/10)."""
    if "..." in text:
        return None
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
    originals: dict[str, str] = {}
    edits: dict[str, list[tuple[int, Callable[[str], str]]]] = {}
    document = CodingPlan.of(context).document(context).strip()
    items: list[tuple[str, int, str]] = [
        (f.path, f.line, "value") for f in failed_comparisons(output)
    ]
    comparisons = {(f.path, f.line): f for f in failed_comparisons(output)}
    truths = failed_truths(output)
    items += [(path, line, "truth") for path, line in truths]
    items += [(path, line, "raises") for path, line in missing_raises(output)]
    errors: dict[tuple[str, int], tuple[str, str]] = {}
    for path, test in errored_tests(output):
        if path in generated and len(items) < budget:
            raised = await _line_that_raised(context, path, test)
            if raised is not None and raised[1] != "AssertionError":
                items.append((path, raised[0], "error"))
                errors[(path, raised[0])] = (raised[1], raised[2])
    for path, line, kind in items:
        if judgement.asked >= budget:
            break
        if path not in generated or not is_test_path(path, test_dir):
            continue
        if path not in originals:
            try:
                originals[path] = read_existing(context.workspace, path) or ""
            except WorkspaceError:
                continue
        source = originals[path]
        question = _question(
            source,
            line,
            kind,
            comparisons.get((path, line)),
            errors.get((path, line), ("", "")),
            truths.get((path, line), ""),
        )
        if question is None:
            continue
        dispute = (
            f"`{question.call}` should {question.should} (the requirement says so) but "
            f"{question.does}"
        )
        if stated_by_user(context.state.requirement, question.call, question.claim):
            context.log.info("test expectation kept: the requirement states it", call=question.call)
            judgement.disputed.append(dispute)
            continue
        code_files = _code_files(context, options, source, path, modules)
        values = {
            "project_type": context.workspace.project_type or "software",
            "requirement_document": without_shown_code(
                document, {file["path"]: file["content"] for file in code_files}
            ),
            "code_files": code_files,
            "test_path": path,
            "line": line,
            "assertion": "\n".join(
                text.strip() for text in source.split("\n")[line - 1 : question.end_line]
            ),
            "call": question.call,
            "actual": question.actual,
            "expected": question.expected,
        }
        judgement.asked += 1
        try:
            answer = await step.ask(
                context,
                step.messages(context, "check", values),
                key=f"{label}/{path}:{line}",
                parse=parse_verdict,
                what=f"the verdict on `{path}` line {line}",
                instruction=f"Give your verdict on a line of its own: CODE if {question.actual} "
                f"is right, TEST if {question.expected} is right.",
                options=(
                    {"max_tokens": options.verdict_reply_tokens}
                    if options.verdict_reply_tokens
                    else None
                ),
            )
        except StepFailedError as exc:
            judgement.errors.append(str(exc))
            continue
        finding = {
            "path": path,
            "line": line,
            "call": question.call,
            "expected": question.expected.strip("`"),
            "actual": question.actual.strip("`"),
        }
        if answer.value == "CODE":
            edits.setdefault(path, []).append((line, question.edit))
            judgement.corrected.append(finding)
        else:
            judgement.disputed.append(dispute)
    for path, changes in edits.items():
        content = originals[path]
        for _, edit in sorted(changes, key=lambda change: change[0], reverse=True):
            content = edit(content)
        context.write_file(path, content)
    return judgement


@dataclass(frozen=True)
class _Question:
    """One failed check put to the LLM, and how to correct the test if the code is right."""

    call: str
    actual: str
    expected: str
    should: str
    does: str
    end_line: int
    edit: Callable[[str], str]
    #: What the test claims: the expected value's literal, or the exception it expects.
    claim: str


def _question(
    source: str,
    line: int,
    kind: str,
    comparison: FailedComparison | None,
    raised: tuple[str, str] = ("", ""),
    shown: str = "",
) -> _Question | None:
    if kind == "truth":
        check = truth_check_at(source, line)
        if check is None or not shown:
            return None
        wanted = "a false value" if check.negated else "a true value"
        return _Question(
            call=check.call,
            actual=f"`{shown}`",
            expected=wanted,
            should=f"return {wanted}",
            does=f"returns `{shown}`",
            end_line=line,
            edit=lambda text: toggled_truth(text, check),
            claim="False" if check.negated else "True",
        )
    if kind == "error":
        error, message = raised
        expectation = expectation_at(source, line)
        if expectation is None or not expectation.call_on_left:
            return None
        text = source.split("\n")[line - 1]
        indent = text[: len(text) - len(text.lstrip())]
        replacement = f"{indent}with pytest.raises({error}):\n{indent}    {expectation.call}"

        def edit(current: str, line: int = line, replacement: str = replacement) -> str:
            lines = current.split("\n")
            lines[line - 1] = replacement
            updated = "\n".join(lines)
            return updated if "import pytest" in updated else "import pytest\n" + updated

        return _Question(
            call=expectation.call,
            actual=f"the error `{error}: {message}`" if message else f"the error `{error}`",
            expected=f"`{expectation.expected}`",
            should=f"return `{expectation.expected}`",
            does=f"raises `{error}`",
            end_line=line,
            edit=edit,
            claim=_unwrapped(expectation.expected),
        )
    if kind == "value" and comparison is not None:
        expectation = expectation_at(source, line)
        if expectation is None:
            return None
        actual = _literal_or_none(comparison.left if expectation.call_on_left else comparison.right)
        if actual is None or actual == _unwrapped(expectation.expected):
            return None  # nothing the test could be corrected to
        return _Question(
            call=expectation.call,
            actual=f"`{actual}`",
            expected=f"`{expectation.expected}`",
            should=f"return `{expectation.expected}`",
            does=f"returns `{actual}`",
            end_line=line,
            edit=lambda text: replace_expectation(text, expectation, actual),
            claim=_unwrapped(expectation.expected),
        )
    block = raises_block_at(source, line)
    if block is None:
        return None
    return _Question(
        call=block.call,
        actual="no error (it returns normally)",
        expected=f"`{block.exception}` to be raised",
        should=f"raise `{block.exception}`",
        does="returns normally",
        end_line=block.end_line,
        edit=lambda text: remove_lines(text, block.line, block.end_line),
        claim=block.exception,
    )


async def _line_that_raised(
    context: WorkflowContext, path: str, test: str
) -> tuple[int, str, str] | None:
    """Run the one test again with full-frame tracebacks to find the line of it that raised."""
    outcome = await context.run_code(
        [context.workspace.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=short",
         f"{path}::{test}"],
        purpose="traceback",
        timeout_s=120,
        max_output_chars=20_000,
        env=child_environment({"PYTHONWARNINGS": "ignore::DeprecationWarning", "PYTEST_ADDOPTS": ""}),
    )  # fmt: skip
    roots = [str(context.workspace.root), os.path.realpath(context.workspace.root)]
    return raised_in_traceback(normalise_output(outcome.output, roots), path, test)


def _code_files(
    context: WorkflowContext,
    options: StepOptions,
    source: str,
    path: str,
    modules: dict[str, str],
) -> list[dict[str, str]]:
    """The project modules the test file imports, shown whole (clipped)."""
    shown = []
    for module in imported_modules(source, path[:-3].replace("/", "."), modules):
        try:
            content = read_existing(context.workspace, modules[module])
        except WorkspaceError:
            content = None
        if content:
            shown.append(shown_file(modules[module], content, options.max_prompt_file_chars))
    return shown
