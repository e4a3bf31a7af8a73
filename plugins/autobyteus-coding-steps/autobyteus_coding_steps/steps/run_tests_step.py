"""``run_tests``: import check, the workspace's tests, and rounds of whole-file fixes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace as replace_dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from autobyteus_coding_steps.best_round import BestRound
from autobyteus_coding_steps.editing import (
    EditSession,
    edit_instructions,
    edit_reask,
    uses_edit_blocks,
)
from autobyteus_coding_steps.example_tests import is_examples_file
from autobyteus_coding_steps.expectation_checks import judge_expectations
from autobyteus_coding_steps.import_check import api_target, check_imports, signature_target
from autobyteus_coding_steps.options import reply_limit_for_tests
from autobyteus_coding_steps.outputs import CodingPlan, CodingTests
from autobyteus_coding_steps.package_api import defining_module
from autobyteus_coding_steps.parsing.file_reply import TrimCut, parse_file_reply
from autobyteus_coding_steps.parsing.pytest_output import (
    blamed_files,
    normalise_output,
    raised_at,
)
from autobyteus_coding_steps.parsing.python_source import (
    erased_work_issue,
    imported_modules,
    public_definitions,
    repair_test_source,
    unknown_imports,
    whole_tests,
)
from autobyteus_coding_steps.parsing.report import ParseResult
from autobyteus_coding_steps.parsing.requirement_interface import (
    public_api,
    requirement_interface,
)
from autobyteus_coding_steps.parsing.text import clip_middle
from autobyteus_coding_steps.project_tests import (
    baseline,
    existing_tests,
    failing_as_before,
    file_of_test,
    regressions,
    run_test_command,
)
from autobyteus_coding_steps.prompting import language_of, resource, shown_file
from autobyteus_coding_steps.steps.coding_step import CodingStep
from autobyteus_coding_steps.steps.test_generation_step import generated_modules, module_sources
from autobyteus_coding_steps.test_integrity import write_issues
from autobyteus_coding_steps.workspace_files import file_text, is_test_path, read_existing
from autobyteus_core import (
    OutputView,
    PromptTemplateVariable,
    StepFailedError,
    StepResult,
    WorkspaceError,
)

if TYPE_CHECKING:
    from autobyteus_coding_steps.options import StepOptions
    from autobyteus_core import StepRecord, WorkflowContext, WorkflowState

_NO_CHANGE = re.compile(r"^\W*(?:no\s+changes?|unchanged)\W*$", re.IGNORECASE)
#: Output kept in the state for each round (the whole capped output is in the step's log).
STATE_OUTPUT_CHARS = 8_000


@dataclass(frozen=True)
class Failure:
    """What went wrong in one round: the phase, the text shown to the LLM, the files to fix
    (``regressed``: the files of tests that passed before the run and fail now, whose code is
    fixed first)."""

    phase: str
    text: str
    files: list[str]
    returncode: int | None = None
    timed_out: bool = False
    regressed: tuple[str, ...] = ()


def missing_runner(command: list[str], output: str) -> str | None:
    """Why the tests cannot run at all when ``output`` says the test command's own runner (the
    module of ``python -m runner``, else the program) is not installed, with what to install;
    None otherwise. No fix of the code can help there."""
    runner = command[command.index("-m") + 1] if "-m" in command[:-1] else command[0]
    name = os.path.basename(runner)
    pattern = rf"No module named '?{re.escape(name)}'?(?![\w.])|{re.escape(runner)}: (?:command )?not found"
    if not re.search(pattern, output):
        return None
    how = f"`{command[0]} -m pip install {name}`" if "-m" in command[:-1] else f"`{name}`"
    return (
        f"the test runner `{name}` is not installed for `{command[0]}`, so no test can run: "
        f"install {how} and resume the run (this is not a fault of the generated code, which "
        "was left as it is)"
    )


def api_owners(
    api: list[tuple[str, str]], modules: dict[str, str], sources: dict[str, str]
) -> dict[str, list[str]]:
    """For the check of each public name (by its import-check target), the files a failure is
    fixed in: the package's ``__init__.py``, then the module defining the name (or, when none
    does, the package's other modules)."""
    owners: dict[str, list[str]] = {}
    for module, name in api:
        origin = defining_module(module, name, sources)
        inside = [origin] if origin else [m for m in modules if m.startswith(f"{module}.")]
        owners[api_target(module, name)] = [modules[module], *(modules[m] for m in inside)]
    return owners


def imported_files(
    context: WorkflowContext, path: str, modules: dict[str, str], seen: frozenset[str] = frozenset()
) -> list[str]:
    """The generated files the file ``path`` imports (``modules``: module name → path); a
    package's ``__init__.py`` comes after the files it imports itself, since a name imported from
    the package (``from wordfreq import top_words``) is defined there (``wordfreq/counter.py``)."""
    try:
        source = read_existing(context.workspace, path) or ""
    except WorkspaceError:
        source = ""
    importer = path[:-3].replace("/", ".")  # pkg.__init__: relative imports resolve in pkg
    found: list[str] = []
    for module in imported_modules(source, importer, modules):
        target = modules[module]
        if target == path or target in seen:
            continue
        if target.endswith("__init__.py"):
            found += imported_files(context, target, modules, seen | {path, target})
        found.append(target)
    return list(dict.fromkeys(found))


def _has_content(context: WorkflowContext, path: str) -> bool:
    try:
        return bool((read_existing(context.workspace, path) or "").strip())
    except WorkspaceError:
        return False


@dataclass(frozen=True)
class Fix:
    """A fix reply: the whole new content of ``path``, or None when the reply said ``NO CHANGE``."""

    path: str
    content: str | None


def _raising_lines(context: WorkflowContext, output: str, modules: dict[str, str]) -> str:
    """The code lines of the project's own modules where the tests' errors were raised, which
    ``--tb=line`` names without showing: given only "solution.py:15: TypeError", the model
    gave the file back unchanged in both fix rounds (HumanEval/104, `digit % 2` on a str)."""
    sources = set(modules.values())
    shown = []
    for path, number in raised_at(output):
        if path not in sources:
            continue
        lines = file_text(context.workspace, path).splitlines()
        if 0 < number <= len(lines) and lines[number - 1].strip():
            shown.append(f"- `{path}` line {number}: `{lines[number - 1].strip()}`")
    return "\n\nWhere the errors were raised:\n" + "\n".join(shown) if shown else ""


def parse_fix_reply(
    reply: str,
    path: str,
    *,
    max_chars: int,
    session: EditSession | None = None,
    trim_cut: TrimCut | None = None,
) -> ParseResult[Fix]:
    """Read a fix reply for ``path`` (see :class:`Fix`): with ``session``, edit blocks to it;
    ``trim_cut`` cuts a whole file that was cut off back (see :func:`parse_file_reply`)."""
    if _NO_CHANGE.match(reply.strip()):
        return ParseResult(Fix(path, None))
    if session is not None:
        result = session.parse(reply, trim_cut=trim_cut)
    else:
        result = parse_file_reply(reply, path, max_chars=max_chars, trim_cut=trim_cut)
    value = Fix(path, result.value.content) if result.value is not None else None
    return ParseResult(value, result.issues)


async def _save(context: WorkflowContext, tests: CodingTests) -> None:
    """Checkpoint, with the core's report of the tests (``state.tests``) up to date."""
    context.state.tests = tests.outcome()
    await context.checkpoint()


class RunTestsStep(CodingStep):
    """Runs an import check of every generated module and then the workspace's test command,
    each in a subprocess with its own process group, a timeout that kills the whole group, and
    capped output. On failure, the failing output and the files it blames go back to the LLM,
    one whole file per reply (``NO CHANGE`` allowed), and the check runs again — at most
    ``fix_rounds`` times. Every round is recorded in the tests' ``test_results``."""

    name = "run_tests"
    description = "Run the tests; on failure ask for whole-file fixes, a few rounds at most"
    prompt_templates: ClassVar[dict[str, str]] = {
        **CodingStep.prompt_templates,
        "fix": resource("fix.j2"),
        "check": resource("check.j2"),
    }
    prompt_variables: ClassVar[dict[str, tuple[PromptTemplateVariable, ...]]] = {
        "fix": tuple(
            PromptTemplateVariable(name)
            for name in (
                "project_type",
                "phase",
                "failure",
                "context_files",
                "path",
                "current",
                "is_test",
                "language",
                "insist",
                "fresh",
                "requirement_document",
                "keep_names",
                "edit_instructions",
            )
        ),
        "check": tuple(
            PromptTemplateVariable(name)
            for name in (
                "project_type",
                "requirement_document",
                "code_files",
                "test_path",
                "line",
                "assertion",
                "call",
                "actual",
                "expected",
            )
        ),
    }

    async def execute(self, context: WorkflowContext) -> StepResult:
        """Check, test, fix; succeed when the tests pass, fail with the last output otherwise."""
        tests = CodingTests.of(context)
        try:
            return await self._test_and_fix(context, tests)
        finally:
            context.state.tests = tests.outcome()

    async def _test_and_fix(self, context: WorkflowContext, tests: CodingTests) -> StepResult:
        """The body of :meth:`execute`, recording every round in ``tests``."""
        options = self.settings_for(context)
        command = context.workspace.test_command
        tests.test_results = [r for r in tests.test_results if r.get("step_id") != context.step_id]
        tests.tests_not_run = None
        tests.regressions = []
        if not command:
            kind = context.workspace.project_type
            why = (
                f"workspace type '{kind}' has no test command"
                if kind
                else ("no workspace type was detected, so there is no test command")
            )
            tests.tests_not_run = why
            return StepResult(summary=f"tests not run: {why}", output={"tests_run": False})
        rounds = options.fix_rounds
        if requirement_interface(context.state.requirement).single_file is not None:
            rounds = min(rounds, options.one_file_fix_rounds)
        last: Failure | None = None
        insist = stalled = False
        fixes = round_number = 0
        checks_left = options.max_value_checks
        best = BestRound()
        while True:
            failure, record = await self._check(context, options, command)
            record.update(step_id=context.step_id, round=round_number)
            best.offer(context, round_number, record.get("counts", ""))
            tests.regressions = list(record.get("regressions", []))
            if failure is None:
                tests.test_results.append(record)
                await _save(context, tests)
                corrected = sum(
                    len(r.get("expectations", {}).get("corrected", []))
                    for r in tests.test_results
                    if r.get("step_id") == context.step_id
                )
                done = f"after {fixes} fix round(s)" if fixes else "on the first run"
                if corrected:
                    done = f"{done} and {corrected} corrected test expectation(s)"
                if round_number and not fixes and not corrected:
                    done = f"after {round_number} round(s)"
                counts = f" ({record['counts']})" if record.get("counts") else ""
                if record.get("failing_before"):
                    counts += (
                        f"; {len(record['failing_before'])} test(s) fail as they did before the run"
                    )
                return StepResult(
                    summary=f"tests pass {done}{counts}",
                    output={"rounds": round_number, "fix_rounds": fixes, "passed": True,
                            "counts": record.get("counts")},
                )  # fmt: skip
            last = failure
            round_number += 1
            # A test that passed before the run is right by definition: its code is fixed.
            if failure.phase == "tests" and checks_left > 0 and not record.get("regressions"):
                judgement = await judge_expectations(
                    self, context, options, failure.text,
                    modules=generated_modules(context), label=f"check-{round_number}",
                    budget=checks_left,
                )  # fmt: skip
                checks_left -= judgement.asked
                if judgement.asked:
                    record["expectations"] = judgement.record()
                if judgement.corrected and not judgement.disputed:
                    # Only tests changed, as the model judged them wrong: not a fix round.
                    tests.test_results.append(record)
                    await _save(context, tests)
                    await context.commit_changes(
                        f"Corrected {len(judgement.corrected)} test expectation(s)",
                        why="The model judged these expected values wrong:\n"
                        + clip_middle(failure.text, 1500),
                    )
                    continue
                if judgement.disputed:
                    findings = "\n".join(f"- {item}" for item in judgement.disputed)
                    failure = replace_dataclass(
                        failure, text=f"{failure.text}\n\nFindings:\n{findings}"
                    )
            if fixes == rounds:
                tests.test_results.append(record)
                break
            fixes += 1
            fix = await self._fix(context, options, failure, fixes, insist=insist)
            record.update(fix)
            if not fix["fixed_files"]:
                # Same files, same failure: the same prompts would get the same replies.
                # Insist once on a change; if even that changes nothing, stop here.
                stalled = insist
                insist = True
            else:
                insist = False
            tests.test_results.append(record)
            await _save(context, tests)
            if fix["fixed_files"]:
                await context.commit_changes(
                    f"Fix round {fixes}: {', '.join(fix['fixed_files'])}",
                    why=f"The {failure.phase.replace('_', ' ')} failed:\n"
                    + clip_middle(failure.text, 1500),
                    paths=fix["fixed_files"],
                )
            if stalled:
                break
        assert last is not None
        why = "; stopped early: two rounds changed no file" if stalled else ""
        restored = best.restore(context)
        if restored:
            tests.test_results[-1]["restored"] = {"round": best.round, "files": restored}
            await _save(context, tests)
            await context.commit_changes(
                f"Put back the files of round {best.round}",
                why=f"No fix round made the tests pass; round {best.round}'s passed most.",
                paths=restored,
            )
            why += (
                f"; {', '.join(restored)} put back as in round {best.round}, whose tests passed "
                "most"
            )
        broken = tests.regressions
        if broken:
            raise StepFailedError(
                f"regression: {len(broken)} test(s) that passed before the run fail now after "
                f"{fixes} fix round(s){why}: {', '.join(broken)}\n{clip_middle(last.text, 3000)}"
            )
        raise StepFailedError(
            f"the {'import check' if last.phase == 'import_check' else 'tests'} still fail after "
            f"{fixes} fix round(s){why}:\n{clip_middle(last.text, 3000)}"
        )

    def render_output(self, state: WorkflowState, record: StepRecord) -> OutputView | None:
        """``test_results`` for ``show --json``: every round of every test step."""
        results = state.output(CodingTests).test_results
        return OutputView(json={"test_results": results}) if results else None

    # -- checking --------------------------------------------------------------------------------

    async def _check(
        self, context: WorkflowContext, options: StepOptions, command: list[str]
    ) -> tuple[Failure | None, dict[str, Any]]:
        """One import check and, if it passes, one test run."""
        workspace = context.workspace
        root = workspace.root
        roots = [str(root), os.path.realpath(root)]
        modules = generated_modules(context)
        sources = [m for m, p in modules.items() if not is_test_path(p, workspace.test_dir)]
        tests = [p for p in modules.values() if is_test_path(p, workspace.test_dir)]
        if sources or tests:
            interface = requirement_interface(context.state.requirement)
            api = public_api(interface.names, modules, interface.exports)
            by_path = {path: module for module, path in modules.items()}
            signatures = [
                (by_path[stated.path], stated)
                for stated in interface.signatures
                if stated.path in by_path
            ]
            check = await check_imports(
                context,
                root / workspace.source_dir,
                sources,
                tests,
                timeout_s=options.import_check_timeout_s,
                max_output_chars=options.max_output_chars,
                api=api,
                signatures=signatures,
            )
            missing = missing_runner(command, "\n".join(item.error for item in check.failures))
            if missing:
                raise StepFailedError(missing)
            if not check.ok:
                lines = []
                blamed: list[str] = []
                owners = api_owners(api, modules, module_sources(context, modules))
                for module, stated in signatures:
                    owners[signature_target(module, stated.name)] = [modules[module]]
                for item in check.failures:
                    path = modules.get(item.target, item.target)
                    trace = normalise_output(item.trace, roots).strip()
                    lines.append(f"{path}: {normalise_output(item.error, roots)}\n{trace}")
                    blamed += [
                        *owners.get(item.target, [path]),
                        *blamed_files(
                            item.error + "\n" + item.trace, list(modules.values()), modules
                        ),
                    ]
                text = "\n\n".join(lines)
                failure = Failure(
                    "import_check",
                    text,
                    list(dict.fromkeys(blamed)),
                    check.process.returncode,
                    check.process.timed_out,
                )
                return failure, self._record(failure, text)
        outcome, verdict = await run_test_command(context, options, command)
        output = normalise_output(outcome.output, roots)
        missing = missing_runner(command, output) if not outcome.ok else None
        if missing:
            raise StepFailedError(missing)
        # pytest's own report decides; only another test runner is judged by its exit status.
        passed = verdict.passed if verdict else outcome.ok
        counts = verdict.counts if verdict else ""
        cases = dict(verdict.cases) if verdict else {}
        base = baseline(context)
        regressed = regressions(base, cases)
        before = [] if passed or outcome.timed_out else failing_as_before(base, cases)
        if passed or before:
            record = self._record(None, output)
            record.update(phase="tests", passed=True, returncode=0, counts=counts)
            if before:
                record["failing_before"] = before
            return None, record
        text = output
        if outcome.timed_out:
            text = f"the tests did not finish within {options.test_timeout_s:g} s and were stopped\n{output}"
        elif verdict and verdict.problem:
            text = f"{output}\n{verdict.problem}"
        elif outcome.signal_name:
            text = f"{output}\nthe test process {outcome.ending()}"
        text += _raising_lines(context, output, modules)
        files = blamed_files(output, list(modules.values()), modules)
        regressed_files: list[str] = []
        if regressed:
            text = (
                "Regressions — these tests passed before this run changed the code and fail "
                "now; make them pass again first:\n"
                + "\n".join(f"- {test}" for test in regressed)
                + f"\n\n{text}"
            )
            tests = existing_tests(workspace)
            found = (file_of_test(test, tests) for test in regressed)
            regressed_files = list(dict.fromkeys(p for p in found if p))
        failure = Failure(
            "tests", text, files, outcome.returncode, outcome.timed_out, tuple(regressed_files)
        )
        record = self._record(failure, text)
        record["counts"] = counts
        if regressed:
            record["regressions"] = regressed
        return failure, record

    @staticmethod
    def _record(failure: Failure | None, output: str) -> dict[str, Any]:
        return {
            "phase": failure.phase if failure else "tests",
            "passed": failure is None,
            "returncode": failure.returncode if failure else 0,
            "timed_out": failure.timed_out if failure else False,
            "output": clip_middle(output, STATE_OUTPUT_CHARS),
            "blamed_files": failure.files if failure else [],
        }

    # -- fixing ----------------------------------------------------------------------------------

    def _files_to_fix(self, context: WorkflowContext, failure: Failure, limit: int) -> list[str]:
        """The generated files to send for fixing, most likely culprit first.

        Test failures: the files the output names, in the order it names them (with one line per
        failure, that is where each failure happened: the test for a wrong expectation, the module
        for an exception inside it), then the project modules they import. Import failures:
        modules before tests (a test importing a name the module lacks usually means the module
        is missing something the requirement asked for). When the output names no generated
        file: every non-empty generated file, modules first. The requirement's examples file is
        followed to what it imports but never chosen itself.
        """
        test_dir = context.workspace.test_dir
        generated = [p for p in dict.fromkeys(context.state.files_written) if p.endswith(".py")]
        stated = {p for p in generated if is_examples_file(file_text(context.workspace, p))}
        modules = generated_modules(context)
        named = [p for p in failure.files if p in generated]
        # The code that tests broken by the run import comes first: it worked before.
        first = [p for path in failure.regressed for p in imported_files(context, path, modules)]
        imported = [p for path in named for p in imported_files(context, path, modules)]
        blamed = [p for p in named if p not in stated]
        generated = [p for p in generated if p not in stated]
        chosen = [p for p in dict.fromkeys([*first, *blamed, *imported]) if p not in stated]
        if failure.phase == "import_check" or not (blamed or first):
            chosen = chosen or [p for p in generated if _has_content(context, p)]
            chosen = [p for p in chosen if not is_test_path(p, test_dir)] + [
                p for p in chosen if is_test_path(p, test_dir)
            ]
        return chosen[:limit]

    async def _fix(
        self,
        context: WorkflowContext,
        options: StepOptions,
        failure: Failure,
        round_number: int,
        *,
        insist: bool = False,
    ) -> dict[str, Any]:
        """Ask for a whole-file fix of each file to fix, one after the other (each prompt sees the
        fixes made before it). A file whose fix cannot be parsed is reported, not fatal. With
        ``insist`` (the previous round changed nothing), the first file is told it must change,
        and the first code file is written afresh from the requirement, its current code not
        shown; a reply that still changes nothing is taken as it is, not re-asked: measured with
        Qwen2.5-Coder-1.5B on HumanEval/0, both re-asks gave the same file back and cost 2,243 of
        the run's 5,092 prompt tokens (asked at temperature 0.7 instead of greedily, it gave the
        same file on HumanEval/54, 67, 68 and 78 and another failing one on 59, so the
        provider's temperature stays)."""
        targets = self._files_to_fix(context, failure, options.max_fix_files)
        test_dir = context.workspace.test_dir
        first_code = next((p for p in targets if not is_test_path(p, test_dir)), None)
        fixed: list[str] = []
        unchanged: list[str] = []
        errors: list[str] = []
        shown_failure = clip_middle(failure.text, options.failure_prompt_chars)
        for path in targets:
            try:
                current = read_existing(context.workspace, path)
            except WorkspaceError as exc:
                errors.append(f"{path}: {exc}")
                continue
            if current is None:
                continue
            must_change = insist and path == targets[0]
            is_test = is_test_path(path, test_dir)
            # Shown its own code again, a greedy model gives the same file back (HumanEval/98,
            # 102, 104); a code file that stalled is written afresh from the requirement.
            fresh = insist and path == first_code
            edits = uses_edit_blocks(options, current) and not fresh
            session = EditSession(path, file_text(context.workspace, path), options)
            values = {
                "project_type": context.workspace.project_type or "software",
                "insist": must_change,
                "fresh": fresh,
                "requirement_document": (
                    CodingPlan.of(context).document(context).strip() if fresh else ""
                ),
                "keep_names": public_definitions(current) if fresh else [],
                "phase": failure.phase,
                "failure": shown_failure,
                "context_files": self._context_files(context, path, targets, options),
                "path": path,
                "current": shown_file(path, current),
                "is_test": is_test,
                "language": language_of(path),
                "edit_instructions": edit_instructions(path) if edits else "",
            }
            modules = generated_modules(context)
            sources = module_sources(context, modules)
            importer = path[:-3].replace("/", ".")

            def parse(
                reply: str,
                path: str = path,
                current: str = current,
                importer: str = importer,
                sources: dict[str, str] = sources,
                is_test: bool = is_test,
                session: EditSession | None = session if edits else None,
            ) -> ParseResult[Fix]:
                result = parse_fix_reply(
                    reply,
                    path,
                    max_chars=options.max_reply_chars,
                    session=session,
                    trim_cut=whole_tests if is_test else None,
                )
                if is_test and result.ok and result.value and result.value.content is not None:
                    repaired, repairs = repair_test_source(result.value.content)
                    result.value = Fix(path, repaired)
                    result.issues += repairs
                content = result.value.content if result.ok and result.value else None
                if content is not None:
                    erased = erased_work_issue(path, current, content)
                    result.issues += [erased] if erased else []
                    result.issues += unknown_imports(content, importer, sources)
                    result.issues += write_issues(context, path, content, writes_tests=is_test)
                return result

            try:
                answer = await self.ask(
                    context,
                    self.messages(context, "fix", values),
                    key=f"fix-round-{round_number}/{path}",
                    parse=parse,
                    what=f"the fix of `{path}` (round {round_number})",
                    instruction=(
                        edit_reask(path)[:-1]
                        if edits
                        else f"Reply again with the whole corrected `{path}` in one "
                        f"```{language_of(path)} code block"
                    )
                    + ("." if must_change else ", or with exactly NO CHANGE."),
                    options=reply_limit_for_tests(options, current) if is_test else None,
                    cut_ok=is_test,
                )
            except StepFailedError as exc:
                errors.append(str(exc))
                continue
            content = answer.value.content
            if content is None or content == current:
                unchanged.append(path)
                continue
            try:
                context.write_file(path, content)
            except WorkspaceError as exc:
                errors.append(f"{path}: {exc}")
                continue
            fixed.append(path)
        return {"fix_round": round_number, "fixed_files": fixed, "unchanged_files": unchanged,
                "fix_errors": errors}  # fmt: skip

    def _context_files(
        self, context: WorkflowContext, path: str, targets: list[str], options: StepOptions
    ) -> list[dict[str, str]]:
        """The other files to fix, shown (clipped) next to the one being fixed."""
        budget = options.max_prompt_file_chars
        shown: list[dict[str, str]] = []
        imported = imported_files(context, path, generated_modules(context))
        for other in dict.fromkeys([*targets, *imported]):
            if other == path or budget <= 200:
                continue
            try:
                content = read_existing(context.workspace, other)
            except WorkspaceError:
                continue
            if content is not None:
                file = shown_file(other, content, budget)
                budget -= len(file["content"])
                shown.append(file)
        return shown
