"""``test_generation``: pytest tests for every generated module, under the workspace's test folder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from autobyteus_coding_steps.example_tests import (
    FILE_STEM,
    ExampleTests,
    example_tests,
    given_functions,
    named_functions,
)
from autobyteus_coding_steps.options import reply_limit_for_tests
from autobyteus_coding_steps.outputs import CodingPlan, CodingTests
from autobyteus_coding_steps.parsing.file_reply import FileReply, parse_file_reply
from autobyteus_coding_steps.parsing.paths import normalise_path
from autobyteus_coding_steps.parsing.python_source import (
    given_code_tests,
    missing_test_function_issue,
    public_definitions,
    repair_test_source,
    unknown_imports,
    whole_tests,
    without_functions,
)
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.requirement_examples import requirement_examples
from autobyteus_coding_steps.progress import StepProgress
from autobyteus_coding_steps.prompting import resource, shown_file, without_shown_code
from autobyteus_coding_steps.scheduling import run_in_dependency_order
from autobyteus_coding_steps.steps.coding_step import CodingStep
from autobyteus_coding_steps.test_integrity import write_issues
from autobyteus_coding_steps.workspace_files import (
    holds,
    importable_module,
    is_test_path,
    read_existing,
)
from autobyteus_core import (
    EventType,
    PromptTemplateVariable,
    StepFailedError,
    StepResult,
    WorkspaceError,
)

if TYPE_CHECKING:
    from autobyteus_coding_steps.options import StepOptions
    from autobyteus_core import WorkflowContext, WorkspaceSetting


def generated_modules(context: WorkflowContext) -> dict[str, str]:
    """Module name → workspace path of every importable Python file written in this run."""
    modules: dict[str, str] = {}
    workspace = context.workspace
    for path in dict.fromkeys(context.state.files_written):
        if path.endswith(".py"):
            module = importable_module(path, workspace.source_dir)
            if module is None and is_test_path(path, workspace.test_dir):
                module = importable_module(path, ".")
            if module is not None:
                modules[module] = path
    return modules


def module_sources(context: WorkflowContext, modules: dict[str, str]) -> dict[str, str]:
    """Module name → current source, for the modules that can still be read."""
    sources: dict[str, str] = {}
    for module, path in modules.items():
        try:
            content = read_existing(context.workspace, path)
        except WorkspaceError:
            content = None
        if content is not None:
            sources[module] = content
    return sources


def unserved_framework(workspace: WorkspaceSetting) -> str | None:
    """Why this step cannot write the tests of ``workspace`` (it writes pytest files, named
    ``test_*.py`` or ``*_test.py``), or None when its workspace type's test framework is pytest
    and its ``test_file_pattern`` names such files."""
    kind = workspace.workspace_type
    framework = kind.test_framework if kind else ""
    what = f"workspace type '{kind.name}'" if kind else "this workspace (no workspace type)"
    if framework != "pytest":
        uses = f"uses {framework}" if framework else "declares no test_framework"
        return (
            f"test_generation writes pytest tests (test_<module>.py), but {what} {uses}; turn "
            "generate_tests off, or use a step that writes tests for that framework"
        )
    assert kind is not None
    if not is_pytest_file_pattern(kind.test_file_pattern):
        return (
            f"test_generation writes pytest files named test_*.py or *_test.py, but {what} "
            f"names its test files {kind.test_file_pattern!r}; give it a test_file_pattern "
            "such as 'test_{module}.py', or turn generate_tests off"
        )
    return None


def is_pytest_file_pattern(pattern: str) -> bool:
    """Whether ``pattern`` (``test_{module}.py``) names, for any module, a file pytest collects
    by default (``test_*.py``, ``*_test.py``) with the module's name in it."""
    if pattern.count("{module}") != 1 or not pattern.endswith(".py"):
        return False
    stem = pattern[:-3].replace("{module}", "x")
    return stem.isidentifier() and (stem.startswith("test_") or stem.endswith("_test"))


def target_test_path(
    path: str, test_dir: str, taken: set[str], pattern: str = "test_{module}.py"
) -> str:
    """The test file of the source file ``path``: ``pattern`` with the module's name, in
    ``test_dir`` (``tests/test_<module>.py``; the package joins the name when two modules share
    one)."""
    parts = normalise_path(path)[:-3].split("/")
    stem = parts[-1] if parts[-1] != "__init__" else (parts[-2] if len(parts) > 1 else "package")
    prefix = normalise_path(test_dir)
    candidate = _in_dir(prefix, pattern.replace("{module}", stem))
    if candidate in taken and len(parts) > 1:
        joined = "_".join(p for p in parts if p != "__init__")
        candidate = _in_dir(prefix, pattern.replace("{module}", joined))
    return candidate


def _in_dir(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


class TestGenerationStep(CodingStep):
    """Writes a pytest file for each generated module (``tests/test_<module>.py``, or as the
    workspace type's ``test_file_pattern`` names it), one file per reply, all modules
    concurrently; a workspace type of another framework is refused before the run starts. The
    prompt shows the module's source and the names it defines (those whose code the requirement
    gives are to be used, not tested); a test importing a name the project does not define, or
    with no test function, is re-asked. Test files the plan already
    had written in this run are left as they are."""

    __test__ = False  # not a pytest test class
    name = "test_generation"
    description = "Write pytest tests for the generated modules"
    prompt_templates: ClassVar[dict[str, str]] = {
        **CodingStep.prompt_templates,
        "tests": resource("test_generation.j2"),
    }
    prompt_variables: ClassVar[dict[str, tuple[PromptTemplateVariable, ...]]] = {
        "tests": tuple(
            PromptTemplateVariable(name)
            for name in (
                "project_type",
                "requirement_document",
                "module",
                "source_path",
                "source",
                "names",
                "given",
                "test_path",
                "existing",
            )
        )
    }

    def check_run(self, context: WorkflowContext) -> None:
        """Refuse, before the run starts, a workspace whose test framework is not pytest (unless
        ``generate_tests`` is off), so the steps before this one are not paid for in vain."""
        if self.settings_for(context).generate_tests:
            refusal = unserved_framework(context.workspace)
            if refusal:
                raise StepFailedError(refusal)

    async def execute(self, context: WorkflowContext) -> StepResult:
        """Write the test files and add them to the tests' ``test_files``."""
        options = self.settings_for(context)
        if not options.generate_tests:
            return StepResult(summary="skipped: generate_tests is off")
        self.check_run(context)  # for a context the engine did not check (a step's own tests)
        workspace = context.workspace
        assert workspace.workspace_type is not None  # check_run refuses a workspace without one
        pattern = workspace.workspace_type.test_file_pattern
        modules = generated_modules(context)
        sources = module_sources(context, modules)
        progress = StepProgress(context)
        test_files = CodingTests.of(context).test_files
        # Test files another step (the implementation of a planned test) wrote are kept.
        written = set(context.state.files_written) - progress.written
        jobs: dict[str, tuple[str, str]] = {}  # test path → (module, source path)
        planned_tests: list[str] = []
        defined = {module: public_definitions(source) for module, source in sources.items()}
        given = given_functions(context.state.requirement)
        examples_path = target_test_path(FILE_STEM + ".py", workspace.test_dir, set(), pattern)
        examples = self._write_examples(context, options, modules, defined, examples_path)
        if examples.used:
            planned_tests.append(examples_path)
        for module, path in modules.items():
            if is_test_path(path, workspace.test_dir):
                planned_tests.append(path)
                continue
            if not sources.get(module, "").strip():
                continue  # an empty __init__.py has nothing to test
            if path.endswith("__init__.py") and not defined[module]:
                continue  # re-exports only: its modules' tests test what it exports
            if defined[module] and given.issuperset(defined[module]):
                continue  # only the requirement's own code, which is not the work to test
            named = named_functions(context.state.requirement, defined[module])
            if named and all(map(examples.covers, named)) and not options.tests_beyond_examples:
                continue  # the requirement's own examples test every function it names here
            target = target_test_path(path, workspace.test_dir, set(jobs), pattern)
            if target in written:
                planned_tests.append(target)
                continue
            jobs[target] = (module, path)
        for path in planned_tests:
            if path not in test_files:
                test_files.append(path)
        stated = examples.record()
        if not jobs:
            summary = "no modules needed new tests"
            if examples.used:
                summary = f"{len(examples.used)} of the requirement's examples written as tests"
            return StepResult(
                summary=summary,
                output={"test_files": list(test_files), "examples": stated},
            )
        records: dict[str, dict[str, Any]] = {}

        async def run(test_path: str) -> None:
            module, source_path = jobs[test_path]
            if progress.finished_files(test_path) is not None:
                records[test_path] = {"resumed": True}
                return
            context.emit(EventType.SUBTASK_STARTED, subtask=f"tests/{module}", files=[test_path])
            records[test_path] = await self._write_tests(
                context, options, module, source_path, test_path, sources
            )
            progress.wrote(test_path)
            await progress.finish(test_path, records[test_path].pop("sha256"))
            context.emit(
                EventType.SUBTASK_FINISHED,
                subtask=f"tests/{module}",
                status="succeeded",
                files=[test_path],
            )

        outcomes = await run_in_dependency_order(
            list(jobs),
            {},
            run,
            max_concurrency=context.max_concurrency,
            recoverable=(StepFailedError, WorkspaceError),
        )
        failed = {path: o.error for path, o in outcomes.items() if o.error is not None}
        for path in jobs:
            if path not in failed and path not in test_files:
                test_files.append(path)
        await context.checkpoint(wait=False)  # the step's end follows
        if failed:
            raise StepFailedError(
                f"tests could not be written for {len(failed)} of {len(jobs)} modules:\n"
                + "\n".join(f"- {path}: {error}" for path, error in failed.items())
            )
        progress.clear()
        also = f", and {len(examples.used)} of the requirement's examples" if examples.used else ""
        return StepResult(
            summary=f"{len(jobs)} test files written{also}",
            output={
                "test_files": list(test_files),
                "files": records,
                "examples": stated,
            },
        )

    @staticmethod
    def _write_examples(
        context: WorkflowContext,
        options: StepOptions,
        modules: dict[str, str],
        defined: dict[str, list[str]],
        target: str,
    ) -> ExampleTests:
        """Write the user's own examples (never the refined document's) as the test file
        ``target`` (``defined``: module → the public names it defines)."""
        if not options.example_tests:
            return ExampleTests("", (), ())
        test_dir = context.workspace.test_dir
        definitions: dict[str, str] = {}
        # A package's __init__ re-exports; the module defining a name is the one to import.
        ordered = sorted(modules.items(), key=lambda item: item[1].endswith("__init__.py"))
        for module, path in ordered:
            if not is_test_path(path, test_dir):
                for name in defined.get(module, []):
                    definitions.setdefault(name, module)
        tests = example_tests(requirement_examples(context.state.requirement), definitions)
        if tests.used:
            context.write_file(target, tests.source)
        return tests

    async def _write_tests(
        self,
        context: WorkflowContext,
        options: StepOptions,
        module: str,
        source_path: str,
        test_path: str,
        sources: dict[str, str],
    ) -> dict[str, Any]:
        source = sources[module]
        existing = read_existing(context.workspace, test_path)
        given = given_functions(context.state.requirement)
        names = public_definitions(source)
        values = {
            "project_type": context.workspace.project_type or "software",
            "requirement_document": without_shown_code(
                CodingPlan.of(context).document(context).strip(),
                {source_path: source},
            ),
            "module": module,
            "source_path": source_path,
            "source": shown_file(source_path, source, options.max_prompt_file_chars),
            "names": names,
            "given": [n for n in names if n in given],
            "test_path": test_path,
            "existing": shown_file(test_path, existing) if existing is not None else None,
        }
        importer = test_path[:-3].replace("/", ".")

        def parse(reply: str) -> ParseResult[FileReply]:
            result = parse_file_reply(
                reply, test_path, max_chars=options.max_reply_chars, trim_cut=whole_tests
            )
            if result.ok and result.value is not None:
                content, repairs = repair_test_source(result.value.content)
                result.issues += repairs
                content, issue = _without_tests_of_given(content, values["given"], names)
                result.issues += [issue] if issue else []
                result.value = FileReply(test_path, content)
                result.issues += unknown_imports(content, importer, sources)
                missing = missing_test_function_issue(test_path, content)
                if missing is not None:
                    result.issues.append(missing)
                result.issues += write_issues(context, test_path, content, writes_tests=True)
            return result

        answer = await self.ask(
            context,
            self.messages(context, "tests", values),
            key=test_path,
            parse=parse,
            what=f"the tests `{test_path}`",
            instruction=f"Reply again with the whole test file `{test_path}` in one ```python "
            "code block.",
            applied=lambda reply: holds(context.workspace, test_path, reply.content),
            cut_ok=True,
            options=reply_limit_for_tests(options),
        )
        written = context.write_file(test_path, answer.value.content)
        return {
            "attempts": answer.attempts,
            "notes": [n.describe() for n in answer.notes],
            "sha256": {written.path: written.sha256},
        }


def _without_tests_of_given(
    content: str, given: list[str], defined: list[str]
) -> tuple[str, ParseIssue | None]:
    """``content`` without its tests that use only code the requirement gives (right as given:
    their expected values can only be the model's own, and were wrong on HumanEval/38 and 50),
    with a note; when every test is such a test, ``content`` as it is, with a soft issue that
    asks for tests of the rest (taken as it is on the last attempt)."""
    only = given_code_tests(content, given, defined)
    if not only:
        return content, None
    kept = without_functions(content, only)
    named = ", ".join(f"`{name}`" for name in only)
    own = ", ".join(f"`{name}`" for name in given)
    if missing_test_function_issue("", kept) is None:
        note = f"left out {named}: it uses only {own}, the requirement's own code, right as given"
        return kept, ParseIssue(note, fatal=False)
    rest = ", ".join(f"`{name}`" for name in defined if name not in given) or "the rest"
    return content, ParseIssue(
        f"{named} test only {own}, which the requirement gives and is right as it is: test "
        f"{rest} instead (using {own} where it helps)",
        soft=True,
    )
