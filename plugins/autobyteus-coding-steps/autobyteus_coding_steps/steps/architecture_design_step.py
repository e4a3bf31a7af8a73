"""``architecture_design``: the requirement document broken into ordered subtasks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from autobyteus_coding_steps.parsing.paths import clean_path_token, looks_like_path
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.tasks import parse_subtasks
from autobyteus_coding_steps.parsing.text import normalise_newlines
from autobyteus_coding_steps.prompting import resource
from autobyteus_coding_steps.steps.coding_step import CodingStep
from autobyteus_core import PromptTemplateVariable, StepResult, Subtask

if TYPE_CHECKING:
    from autobyteus_core import WorkflowContext

#: The package of the prompt's example project: a plan writing into it copied the example
#: (unless the requirement itself is about it).
EXAMPLE_PACKAGE = "shapes"
_TREE_ENTRIES = 80


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
    subtasks: list[Subtask], requirement: str, existing: frozenset[str] = frozenset()
) -> list[ParseIssue]:
    """Soft issues where a plan departs from an interface the user's requirement spells out:
    a Python file it names that no subtask writes (a file of the project, in ``existing``, may
    be named only to be used), or a class it never mentions (only checked when the requirement
    names code in backticks). Soft: re-asked, but a plan that keeps them is taken on the last
    attempt."""
    ticked = [clean_path_token(token) for token in re.findall(r"`([^`\n]+)`", requirement)]
    if not ticked:
        return []
    planned = {path for task in subtasks for path in task.files} | existing
    issues = [
        ParseIssue(
            f"the requirement names `{path}`, but no subtask writes it; use the file paths the "
            "requirement gives",
            soft=True,
        )
        for path in dict.fromkeys(ticked)
        if path.endswith(".py") and looks_like_path(path) and path not in planned
    ]
    for task in subtasks:
        if not re.search(r"\bclass\b", task.title, re.IGNORECASE):
            continue
        for name in re.findall(r"`([A-Z][A-Za-z0-9_]*)`", task.title):
            if not re.search(rf"\b{re.escape(name)}\b", requirement):
                issues.append(
                    ParseIssue(
                        f"task {task.number} plans a class `{name}` that the requirement does "
                        "not ask for; plan only the classes and functions it names",
                        soft=True,
                    )
                )
    return issues


def planned_files(subtasks: list[Subtask]) -> list[str]:
    """Every file the plan names, once, in plan order."""
    return list(dict.fromkeys(path for task in subtasks for path in task.files))


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
    ordered :class:`~autobyteus_core.workflow.subtask.Subtask` models with their dependencies."""

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
            PromptTemplateVariable("existing_files"),
            PromptTemplateVariable("max_subtasks"),
        )
    }

    async def execute(self, context: WorkflowContext) -> StepResult:
        """Write ``state.subtasks`` and ``state.design_document``."""
        options = self.settings_for(context)
        document = context.state.requirement_document or context.state.requirement
        root = context.workspace.root
        existing = context.workspace.files()
        tree = context.workspace.tree(max_entries=_TREE_ENTRIES) if existing else ""
        messages = self.messages(
            context,
            "design",
            {
                "requirement_document": document.strip(),
                "layout_conventions": context.workspace.layout_conventions,
                "existing_files": tree,
                "max_subtasks": options.max_subtasks,
            },
        )

        def parse(reply: str) -> ParseResult[list[Subtask]]:
            result = parse_subtasks(reply, max_chars=options.max_reply_chars)
            if result.value is not None:
                result.issues += check_plan(
                    result.value,
                    root=root,
                    requirement=document,
                    max_subtasks=options.max_subtasks,
                )
                result.issues += requirement_issues(
                    result.value, context.state.requirement, frozenset(existing)
                )
            return result

        answer = await self.ask(
            context,
            messages,
            key="plan",
            parse=parse,
            what="the subtask plan",
            instruction="Reply again with the subtasks for the [Documentation], each as "
            "`#### Task N: <title>`, `#task start#`, the four fields, `#task end#`.",
        )
        context.state.subtasks = answer.value
        context.state.design_document = normalise_newlines(answer.reply).strip() + "\n"
        changed = [path for path in planned_files(answer.value) if path in set(existing)]
        plural = "s" if len(changed) > 1 else ""
        also = f" ({len(changed)} existing file{plural} to change)" if changed else ""
        return StepResult(
            summary=f"{len(answer.value)} subtasks planned{also}",
            output={
                "subtasks": plan_summary(answer.value),
                "existing_files_changed": changed,
                "attempts": answer.attempts,
                "notes": [note.describe() for note in answer.notes],
            },
        )
