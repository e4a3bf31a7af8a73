"""``architecture_design``: the requirement document broken into ordered subtasks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from autobyteus_coding_steps.exchange import ReplyRejectedError
from autobyteus_coding_steps.outputs import CodingPlan, Subtask
from autobyteus_coding_steps.parsing.dependencies import derive_dependencies
from autobyteus_coding_steps.parsing.plan_document import edit_issues, format_plan
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.requirement_interface import (
    RequirementInterface,
    asks_only_exports,
    requirement_interface,
)
from autobyteus_coding_steps.parsing.tasks import parse_subtasks
from autobyteus_coding_steps.parsing.text import excerpt, normalise_newlines
from autobyteus_coding_steps.prompting import resource
from autobyteus_coding_steps.steps.coding_step import CodingStep
from autobyteus_coding_steps.workspace_files import is_test_path
from autobyteus_core import (
    EditableOutput,
    OutputEditError,
    OutputTable,
    OutputView,
    PromptTemplateVariable,
    StepResult,
)

if TYPE_CHECKING:
    from autobyteus_coding_steps.options import StepOptions
    from autobyteus_core import StepRecord, WorkflowContext, WorkflowState

#: The package of the prompt's example project: a plan writing into it copied the example
#: (unless the requirement itself is about it).
EXAMPLE_PACKAGE = "shapes"
#: The functions of the prompt's example: a plan defining one the requirement never names
#: copied the example, wherever it puts it.
EXAMPLE_NAMES = ("circle_area", "square_area", "total_area")


def names_package(text: str, package: str) -> bool:
    """Whether ``text`` names ``package`` as code: `` `shapes` ``, ``shapes/x.py`` or
    ``shapes.x`` (not the plain word, as in "draw shapes")."""
    name = re.escape(package)
    return re.search(rf"`{name}`|(?<![\w/.]){name}[/.]\w", text) is not None


def check_plan(
    subtasks: list[Subtask], *, root: Path, requirement: str, max_subtasks: int
) -> list[ParseIssue]:
    """Fatal issues of a parsed plan that only the workspace and the requirement reveal: too many
    subtasks, no file at all, a file that is an existing directory, the example copied."""
    issues: list[ParseIssue] = []
    about_example = names_package(requirement, EXAMPLE_PACKAGE)
    if len(subtasks) > max_subtasks:
        issues.append(
            ParseIssue(f"the plan has {len(subtasks)} subtasks; plan at most {max_subtasks}")
        )
    if not any(task.files for task in subtasks):
        issues.append(
            ParseIssue(
                "no subtask names its file; give each a **File Specification** such as "
                "`package/module.py`"
            )
        )
    copied = [
        name
        for name in EXAMPLE_NAMES
        if not re.search(rf"\b{name}\b", requirement)
        and any(re.search(rf"\b{name}\b", f"{t.title}\n{t.functionality}") for t in subtasks)
    ]
    if copied:
        names = ", ".join(f"`{name}`" for name in copied)
        issues.append(
            ParseIssue(
                f"the plan copies the example's {names}; plan the [Documentation], not the example"
            )
        )
    for task in subtasks:
        for path in task.files:
            if (root / path).is_dir():
                issues.append(
                    ParseIssue(f"task {task.number}: `{path}` is an existing directory, not a file")
                )
            if path.split("/", 1)[0] == EXAMPLE_PACKAGE and not about_example:
                issues.append(
                    ParseIssue(
                        f"task {task.number} copies the example's file `{path}`; plan the "
                        "[Documentation], not the example"
                    )
                )
    return issues


def requirement_issues(
    subtasks: list[Subtask],
    requirement: str,
    interface: RequirementInterface,
    existing: frozenset[str] = frozenset(),
) -> list[ParseIssue]:
    """Where a plan departs from an interface the user's requirement spells out: a Python file
    it names that no subtask writes (a file of the project, in ``existing``, may be named only to
    be used), or a class it never mentions (only checked when the requirement names code in
    backticks)."""
    if "`" not in requirement:
        return []
    planned = {path for task in subtasks for path in task.files} | existing
    issues = [
        ParseIssue(
            f"the requirement names `{path}`, but no subtask writes it; use the file paths the "
            "requirement gives"
        )
        for path in interface.files
        if path not in planned
    ]
    for task in subtasks:
        if not re.search(r"\bclass\b", task.title, re.IGNORECASE):
            continue
        for name in re.findall(r"`([A-Z][A-Za-z0-9_]*)`", task.title):
            if not re.search(rf"\b{re.escape(name)}\b", requirement):
                issues.append(
                    ParseIssue(
                        f"task {task.number} plans a class `{name}` that the requirement does "
                        "not ask for; plan only the classes and functions it names"
                    )
                )
    return issues


def unasked_file_issues(
    subtasks: list[Subtask],
    interface: RequirementInterface,
    existing: frozenset[str],
    test_dir: str,
) -> list[ParseIssue]:
    """When the requirement names its files, the files a plan adds to them: a test file (the
    test step writes the tests), or a module inside a named file's package that the
    requirement does not name (its code belongs in the named files). A package's
    ``__init__.py``, the ``__main__.py`` of a command the requirement names, a file the
    requirement names and an existing file (``existing``) are not added."""
    if not interface.files:
        return []
    named = set(interface.files) | existing
    folders = {path.rsplit("/", 1)[0] for path in interface.files if "/" in path}
    entry_points = {f"{command.replace('.', '/')}/__main__.py" for command in interface.commands}
    allowed = ", ".join(f"`{path}`" for path in interface.files)
    issues: list[ParseIssue] = []
    for task in subtasks:
        for path in task.files:
            if path in named:
                continue
            if is_test_path(path, test_dir):
                issues.append(
                    ParseIssue(
                        f"task {task.number} writes the test file `{path}`; the tests are "
                        "written in a later step, so plan only the code"
                    )
                )
            elif (
                path.endswith(".py")
                and path.rsplit("/", 1)[-1] != "__init__.py"
                and path not in entry_points
                and any(path.startswith(f"{folder}/") for folder in folders)
            ):
                issues.append(
                    ParseIssue(
                        f"task {task.number} writes `{path}`, which the requirement does not "
                        f"name; put its code in the files the requirement names ({allowed})"
                    )
                )
    return issues


def without_package_inits(
    subtasks: list[Subtask],
    requirement: str,
    interface: RequirementInterface,
    existing: frozenset[str],
) -> tuple[list[Subtask], list[str]]:
    """``subtasks`` without those that only write a new ``__init__.py`` of a named file's
    package which the requirement asks only to re-export (the implementation step writes it,
    with those re-exports, after the modules), renumbered; and a note for each one left out."""
    if not interface.files:
        return subtasks, []
    folders = {path.rsplit("/", 1)[0] for path in interface.files if "/" in path}

    def generated(path: str) -> bool:
        folder, _, name = path.rpartition("/")
        return (
            name == "__init__.py"
            and folder in folders
            and path not in existing
            and asks_only_exports(requirement, path)
        )

    kept = [task for task in subtasks if not (task.files and all(map(generated, task.files)))]
    if len(kept) == len(subtasks):
        return subtasks, []
    notes = [
        f"task {task.number} (`{'`, `'.join(task.files)}`) left out: package files are written "
        "after the modules, with the requirement's re-exports"
        for task in subtasks
        if task not in kept
    ]
    return renumbered(kept, {}), notes


def renumbered(kept: list[Subtask], twins: dict[int, int]) -> list[Subtask]:
    """``kept`` numbered 1, 2, ... in order; a dependency on a task left out becomes one on its
    kept twin (``twins`` maps the old numbers) or, when it has none, is dropped."""
    numbers = {task.number: new for new, task in enumerate(kept, start=1)}
    numbers.update({old: numbers[twin] for old, twin in twins.items() if twin in numbers})
    return [
        task.model_copy(
            update={
                "number": numbers[task.number],
                "depends_on": list(
                    dict.fromkeys(
                        numbers[n]
                        for n in task.depends_on
                        if n in numbers and numbers[n] != numbers[task.number]
                    )
                ),
            }
        )
        for task in kept
    ]


def without_repeats(subtasks: list[Subtask]) -> tuple[list[Subtask], list[str]]:
    """``subtasks`` without each one whose files, objective and functionality repeat an
    earlier one's word for word, renumbered; and a note for each one left out."""
    # A small model's plan can loop: projects' romans (2026-12-04) planned `to_roman` and
    # `from_roman` six times each, and every implementation prompt carried all twelve.
    first: dict[tuple[object, ...], int] = {}
    twins: dict[int, int] = {}
    for task in subtasks:
        key = (
            tuple(task.files),
            *(" ".join(text.split()) for text in (task.objective, task.functionality)),
        )
        twin = first.setdefault(key, task.number)
        if twin != task.number:
            twins[task.number] = twin
    if not twins:
        return subtasks, []
    kept = [task for task in subtasks if task.number not in twins]
    notes = [f"task {old} left out: it repeats task {twin}" for old, twin in twins.items()]
    return renumbered(kept, twins), notes


def planned_files(subtasks: list[Subtask]) -> list[str]:
    """Every file the plan names, once, in plan order."""
    return list(dict.fromkeys(path for task in subtasks for path in task.files))


def file_plan(files: tuple[str, ...], requirement: str) -> list[Subtask]:
    """One subtask per file the requirement names, in the order it names them: the plan the
    requirement itself gives (each file's part of it is in the requirement every prompt shows)."""
    subtasks = []
    for number, path in enumerate(files, start=1):
        mentions = [line.strip() for line in requirement.splitlines() if path in line]
        subtasks.append(
            Subtask(
                number=number,
                title=f"Write `{path}`",
                objective=f"Write `{path}` as the requirement asks.",
                files=[path],
                functionality="\n".join(mentions) if len(files) > 1 else "",
            )
        )
    return derive_dependencies(subtasks)


def with_entry_points(subtasks: list[Subtask], interface: RequirementInterface) -> list[Subtask]:
    """``subtasks`` with a subtask for the ``__main__.py`` of each package the requirement runs
    as ``python -m package`` that the plan writes into but gives no entry point."""
    planned = [path for task in subtasks for path in task.files]
    added = list(subtasks)
    for command in interface.commands:
        folder = command.replace(".", "/")
        main = f"{folder}/__main__.py"
        inside = [t.number for t in subtasks if any(p.startswith(f"{folder}/") for p in t.files)]
        if not inside or main in planned or f"{folder}.py" in planned:
            continue
        added.append(
            Subtask(
                number=len(added) + 1,
                title=f"Write the `python -m {command}` entry point",
                objective=f"Run the command `python -m {command}` as the requirement describes.",
                files=[main],
                functionality="Read the command-line arguments, call the package's code, print "
                "the result and exit with the status the requirement gives.",
                integration_points="Imports what it needs from the earlier tasks' modules.",
                depends_on=inside,
            )
        )
    return added


def plan_summary(subtasks: list[Subtask]) -> list[dict[str, object]]:
    """The plan as JSON-ready rows (what ``autobyteus show`` prints)."""
    return [
        {
            "number": task.number,
            "title": task.title,
            "files": task.files,
            "depends_on": task.depends_on,
        }
        for task in subtasks
    ]


class ArchitectureDesignStep(CodingStep):
    """Asks for the plan with the seed's prompt — the example first (neutral ``shapes/...``
    paths), then the requirement document in ``[Documentation]`` between ``$start$`` and
    ``$end$``, then a closing line pointing back at the documentation — and parses the reply into
    ordered :class:`~autobyteus_coding_steps.outputs.Subtask` models with their dependencies.
    The plan is also kept as ``plan.md`` in the run folder, which a person may edit (read with
    the same parser and checks) until the implementation starts."""

    name = "architecture_design"
    description = "Break the requirement into ordered subtasks with files and dependencies"
    prompt_templates: ClassVar[dict[str, str]] = {
        **CodingStep.prompt_templates,
        "design": resource("architecture_design.j2"),
    }
    prompt_variables: ClassVar[dict[str, tuple[PromptTemplateVariable, ...]]] = {
        "design": (
            PromptTemplateVariable("requirement_document"),
            PromptTemplateVariable("layout_conventions"),
            PromptTemplateVariable("repo_map"),
            PromptTemplateVariable("max_subtasks"),
        )
    }
    editable = EditableOutput(file="plan.md", what="plan", proceed="implement")

    def read_plan(
        self,
        context: WorkflowContext,
        options: StepOptions,
        reply: str,
        interface: RequirementInterface,
        existing: frozenset[str],
    ) -> ParseResult[list[Subtask]]:
        """``reply`` parsed into subtasks and checked against the workspace (whose files are
        ``existing``) and the requirement."""
        document = CodingPlan.of(context).document(context)
        result = parse_subtasks(reply, max_chars=options.max_reply_chars)
        if result.value is not None:
            result.issues += check_plan(
                result.value,
                root=context.workspace.root,
                requirement=document,
                max_subtasks=options.max_subtasks,
            )
            result.issues += requirement_issues(
                result.value, context.state.requirement, interface, existing
            )
            result.issues += unasked_file_issues(
                result.value, interface, existing, context.workspace.test_dir
            )
        return result

    async def execute(self, context: WorkflowContext) -> StepResult:
        """Write the plan's ``subtasks`` and ``design_document``."""
        options = self.settings_for(context)
        document = CodingPlan.of(context).document(context)
        interface = requirement_interface(context.state.requirement)
        single = interface.single_file
        if single is not None:
            # A one-file requirement plans itself: asking would only invite a larger design.
            plan = file_plan((single,), document)
            return self._planned(context, plan, "the requirement names one file")
        existing = context.workspace.files()
        repo_map = self.project_map(context, options).render(document, options.repo_map_tokens)
        messages = self.messages(
            context,
            "design",
            {
                "requirement_document": document.strip(),
                "layout_conventions": context.workspace.layout_conventions,
                "repo_map": repo_map,
                # the name of the tree this map replaced: a user's own template may still use it
                "existing_files": repo_map,
                "max_subtasks": options.max_subtasks,
            },
        )

        def parse(reply: str) -> ParseResult[list[Subtask]]:
            return self.read_plan(context, options, reply, interface, frozenset(existing))

        try:
            answer = await self.ask(
                context,
                messages,
                key="plan",
                parse=parse,
                what="the subtask plan",
                instruction="Reply again with the subtasks for the [Documentation], each as "
                "`#### Task N: <title>`, `#task start#`, the four fields, `#task end#`.",
            )
        except ReplyRejectedError as exc:
            if not interface.files:
                raise
            fallback = with_entry_points(file_plan(interface.files, document), interface)
            return self._planned(
                context,
                fallback,
                "every plan was rejected; one subtask per file the requirement names",
                existing=existing,
                rejected=exc.reports,
            )
        CodingPlan.of(context).design_document = normalise_newlines(answer.reply).strip() + "\n"
        unique, repeats = without_repeats(answer.value)
        planned, left_out = without_package_inits(
            unique, context.state.requirement, interface, frozenset(existing)
        )
        return self._planned(
            context,
            with_entry_points(planned, interface),
            None,
            existing=existing,
            attempts=answer.attempts,
            notes=[note.describe() for note in answer.notes] + repeats + left_out,
        )

    @staticmethod
    def _planned(
        context: WorkflowContext,
        subtasks: list[Subtask],
        why: str | None,
        existing: list[str] | None = None,
        **output: object,
    ) -> StepResult:
        """Put ``subtasks`` in the plan; ``why`` says why the plan is not the LLM's own."""
        plan = CodingPlan.of(context)
        plan.subtasks = subtasks
        if why is not None:
            plan.design_document = (
                "\n".join(f"#### Task {t.number}: {t.title}" for t in subtasks) + "\n"
            )
        changed = [path for path in planned_files(subtasks) if path in set(existing or [])]
        also = f" ({len(changed)} existing file{'s' if len(changed) > 1 else ''} to change)"
        plural = "s" if len(subtasks) != 1 else ""
        summary = f"{len(subtasks)} subtask{plural} planned" + (also if changed else "")
        summary += f" ({why})" if why else ""
        return StepResult(
            summary=summary,
            output={
                "subtasks": plan_summary(subtasks),
                "planned_by": why or "llm",
                "existing_files_changed": changed,
                **output,
            },
        )

    def output_document(self, context: WorkflowContext) -> str:
        """``plan.md``: the plan in the seed's format."""
        return format_plan(CodingPlan.of(context).subtasks)

    def edit_output(self, context: WorkflowContext, text: str) -> StepResult:
        """Take an edited ``plan.md``, read like the model's plan, plus the checks of a
        person's edit (unknown fields, a task using a later one); soft issues are notes."""
        existing = context.workspace.files()
        interface = requirement_interface(context.state.requirement)
        options = self.settings_for(context)
        result = self.read_plan(context, options, text, interface, frozenset(existing))
        if result.value is not None:
            result.issues += edit_issues(text, result.value)
        errors = [issue for issue in result.errors if not issue.soft]
        if result.value is None or errors:
            raise OutputEditError(
                "\n".join(f"- {issue.describe()}" for issue in errors or result.issues)
            )
        planned = self._planned(
            context,
            with_entry_points(result.value, interface),
            "edited",
            existing=existing,
            notes=[issue.describe() for issue in result.issues if issue not in errors],
        )
        CodingPlan.of(context).design_document = normalise_newlines(text).strip() + "\n"
        return planned

    def render_output(self, state: WorkflowState, record: StepRecord) -> OutputView | None:
        """The plan: a table for ``autobyteus show``, ``subtasks`` for ``show --json``."""
        subtasks = state.output(CodingPlan).subtasks
        if not subtasks:
            return None
        rows = tuple(
            (
                str(s.number),
                s.title or excerpt(" ".join(s.objective.split()), 60),
                ", ".join(s.files),
                ", ".join(str(n) for n in s.depends_on),
            )
            for s in subtasks
        )
        return OutputView(
            tables=(OutputTable("plan", ("#", "subtask", "files", "depends on"), rows),),
            json={"subtasks": [s.model_dump(mode="json") for s in subtasks]},
        )
