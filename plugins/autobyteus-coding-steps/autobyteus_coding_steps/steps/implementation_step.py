"""``implementation``: each subtask's file(s) written, one file per reply, in dependency order."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any, ClassVar

from autobyteus_coding_steps.parsing.file_reply import (
    FileReply,
    parse_file_reply,
    parse_named_files_reply,
)
from autobyteus_coding_steps.parsing.python_source import (
    erased_work_issue,
    requested_names_issue,
)
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.progress import StepProgress
from autobyteus_coding_steps.prompting import language_of, resource, shown_file
from autobyteus_coding_steps.scheduling import run_in_dependency_order
from autobyteus_coding_steps.steps.coding_step import CodingStep
from autobyteus_coding_steps.workspace_files import (
    importable_module,
    package_inits,
    read_existing,
)
from autobyteus_core.prompt.prompt_template_variable import PromptTemplateVariable
from autobyteus_core.workflow.errors import StepFailedError
from autobyteus_core.workflow.events import EventType
from autobyteus_core.workflow.step_result import StepResult
from autobyteus_core.workspace.errors import WorkspaceError

if TYPE_CHECKING:
    from autobyteus_coding_steps.options import StepOptions
    from autobyteus_core.workflow.subtask import Subtask
    from autobyteus_core.workflow.workflow_context import WorkflowContext


def keeps_earlier_work(path: str, old: str | None, result: ParseResult[FileReply]) -> None:
    """Add a fatal issue to ``result`` when its new content for ``path`` drops classes or
    functions the file already had."""
    if result.value is not None:
        issue = erased_work_issue(path, old, result.value.content)
        if issue is not None:
            result.issues.append(issue)


class ImplementationStep(CodingStep):
    """Writes every subtask's files. For a planned file the path comes from the plan, never from
    the reply; the prompt shows the requirement, the plan, the subtask, the files of the subtasks
    it depends on and — when the file already exists — its current content, and asks for the
    whole file in one block. Independent subtasks run concurrently (at most
    ``context.max_concurrency``), dependent ones wait. Folders of generated modules get an
    ``__init__.py``."""

    name = "implementation"
    description = "Write each subtask's files, independent subtasks concurrently"
    prompt_templates: ClassVar[dict[str, str]] = {
        **CodingStep.prompt_templates,
        "file": resource("implementation.j2"),
    }
    prompt_variables: ClassVar[dict[str, tuple[PromptTemplateVariable, ...]]] = {
        "file": tuple(
            PromptTemplateVariable(name)
            for name in (
                "project_type",
                "requirement_document",
                "plan",
                "task",
                "related_files",
                "layout_conventions",
                "path",
                "existing",
                "package",
                "language",
            )
        )
    }

    async def execute(self, context: WorkflowContext) -> StepResult:
        """Write the files of ``state.subtasks``; fail listing the subtasks that could not be done."""
        subtasks = list(context.state.subtasks)
        if not subtasks:
            raise StepFailedError("there is no plan to implement: no subtasks in the state")
        options = self.settings_for(context)
        by_number = {task.number: task for task in subtasks}
        locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        records: dict[int, dict[str, Any]] = {}
        progress = StepProgress(context)

        async def run(number: int) -> None:
            task = by_number[number]
            record = records[number] = {"files": [], "attempts": 0, "notes": [], "sha256": {}}
            earlier = progress.finished_files(task.id)
            if earlier is not None:
                record.update(files=earlier, resumed=True)
                context.emit(
                    EventType.SUBTASK_FINISHED, subtask=task.id, status="succeeded",
                    files=earlier, resumed=True,
                )  # fmt: skip
                return
            context.emit(
                EventType.SUBTASK_STARTED,
                subtask=task.id,
                number=task.number,
                title=task.title,
                files=task.files,
            )
            try:
                if task.files:
                    for path in task.files:
                        async with locks[path]:
                            await self._write_planned(context, options, task, path, record)
                else:
                    await self._write_named(context, options, task, locks, record)
            except BaseException as exc:
                context.emit(
                    EventType.SUBTASK_FINISHED, subtask=task.id, status="failed", error=str(exc)
                )
                raise
            await progress.finish(task.id, record.pop("sha256"))
            context.emit(
                EventType.SUBTASK_FINISHED,
                subtask=task.id,
                status="succeeded",
                files=record["files"],
            )

        outcomes = await run_in_dependency_order(
            [task.number for task in subtasks],
            {task.number: task.depends_on for task in subtasks},
            run,
            max_concurrency=context.max_concurrency,
            recoverable=(StepFailedError, WorkspaceError),
        )
        inits = self._write_package_inits(context)
        rows = []
        problems = []
        for number, outcome in outcomes.items():
            task = by_number[number]
            row: dict[str, Any] = {"number": number, "title": task.title, "status": outcome.status}
            row.update({k: v for k, v in records.get(number, {}).items() if k != "sha256"})
            if outcome.error is not None:
                row["error"] = str(outcome.error)
                problems.append(f"{task.id} ({task.title}) failed: {outcome.error}")
            if outcome.blocked_by:
                row["blocked_by"] = list(outcome.blocked_by)
                needs = ", ".join(f"task-{n}" for n in outcome.blocked_by)
                problems.append(f"{task.id} ({task.title}) was skipped: it needs {needs}")
            rows.append(row)
        await context.checkpoint()
        if problems:
            done = sum(1 for o in outcomes.values() if o.status == "succeeded")
            raise StepFailedError(
                f"{done} of {len(subtasks)} subtasks implemented; the others could not be:\n"
                + "\n".join(f"- {problem}" for problem in problems)
            )
        progress.clear()
        files = sorted({path for row in rows for path in row.get("files", [])})
        return StepResult(
            summary=f"{len(subtasks)} subtasks implemented, {len(files) + len(inits)} files written",
            output={"subtasks": rows, "package_files": inits},
        )

    # -- one planned file ------------------------------------------------------------------------

    def _related_files(
        self, context: WorkflowContext, task: Subtask, path: str, budget: int
    ) -> list[dict[str, str]]:
        """The files of the subtasks ``task`` depends on, and workspace files its text names."""
        by_number = {t.number: t for t in context.state.subtasks}
        wanted: list[str] = []
        for number in task.depends_on:
            dep = by_number.get(number)
            wanted += dep.files if dep else []
        text = "\n".join((task.objective, task.functionality, task.integration_points))
        for existing in context.workspace.files():
            if existing.endswith(".py") and re.search(rf"(?<![\w/]){re.escape(existing)}\b", text):
                wanted.append(existing)
        shown: list[dict[str, str]] = []
        for other in dict.fromkeys(wanted):
            if other == path or budget <= 200:
                continue
            try:
                content = read_existing(context.workspace, other)
            except WorkspaceError:
                content = None
            if content is None:
                continue
            file = shown_file(other, content, budget)
            budget -= len(file["content"])
            shown.append(file)
        return shown

    def _values(
        self, context: WorkflowContext, options: StepOptions, task: Subtask, path: str | None
    ) -> dict[str, Any]:
        """The template values every implementation prompt has (``path`` None: no planned file)."""
        document = context.state.requirement_document or context.state.requirement
        return {
            "project_type": context.workspace.project_type or "software",
            "requirement_document": document.strip(),
            "plan": [t.model_dump() for t in context.state.subtasks],
            "task": task.model_dump(),
            "related_files": self._related_files(
                context, task, path or "", options.max_prompt_file_chars
            ),
            "layout_conventions": context.workspace.layout_conventions,
            "path": path,
            "existing": None,
            "package": "",
            "language": "",
        }

    async def _write_planned(
        self,
        context: WorkflowContext,
        options: StepOptions,
        task: Subtask,
        path: str,
        record: dict[str, Any],
    ) -> None:
        existing = read_existing(context.workspace, path)
        module = importable_module(path, context.workspace.source_dir)
        values = self._values(context, options, task, path)
        values.update(
            existing=shown_file(path, existing) if existing is not None else None,
            package=module.rsplit(".", 1)[0] if module and "." in module else "",
            language=language_of(path),
        )

        def parse(reply: str) -> ParseResult[FileReply]:
            result = parse_file_reply(reply, path, max_chars=options.max_reply_chars)
            keeps_earlier_work(path, existing, result)
            if result.ok and result.value is not None and len(task.files) == 1:
                missing = requested_names_issue(task.title, path, result.value.content)
                if missing is not None:
                    result.issues.append(missing)
            return result

        answer = await self.ask(
            context,
            self.messages(context, "file", values),
            key=f"{task.id}/{path}",
            parse=parse,
            what=f"`{path}` for {task.id}",
            instruction=f"Reply again with the whole content of `{path}` in one "
            f"```{language_of(path)} code block.",
        )
        written = context.write_file(path, answer.value.content)
        record["sha256"][written.path] = written.sha256
        record["files"].append(path)
        record["attempts"] += answer.attempts
        record["notes"] += [note.describe() for note in answer.notes]

    # -- a subtask without a planned file --------------------------------------------------------

    async def _write_named(
        self,
        context: WorkflowContext,
        options: StepOptions,
        task: Subtask,
        locks: defaultdict[str, asyncio.Lock],
        record: dict[str, Any],
    ) -> None:
        values = self._values(context, options, task, None)

        def parse(reply: str) -> ParseResult[list[FileReply]]:
            result = parse_named_files_reply(reply, max_chars=options.max_reply_chars)
            for file in result.value or []:
                try:
                    old = read_existing(context.workspace, file.path)
                except WorkspaceError as exc:
                    result.issues.append(ParseIssue(str(exc), excerpt=file.path))
                    continue
                single: ParseResult[FileReply] = ParseResult(file)
                keeps_earlier_work(file.path, old, single)
                result.issues += single.issues
            return result

        answer = await self.ask(
            context,
            self.messages(context, "file", values),
            key=task.id,
            parse=parse,
            what=f"the files of {task.id}",
            instruction="Reply again: for each file, its path on its own line, then its whole "
            "content in one code block.",
        )
        for file in answer.value:
            async with locks[file.path]:
                written = context.write_file(file.path, file.content)
            record["sha256"][written.path] = written.sha256
            record["files"].append(file.path)
        record["attempts"] += answer.attempts
        record["notes"] += [note.describe() for note in answer.notes]

    # -- packages --------------------------------------------------------------------------------

    def _write_package_inits(self, context: WorkflowContext) -> list[str]:
        """Create the missing ``__init__.py`` of every folder holding generated modules."""
        written: list[str] = []
        workspace = context.workspace
        for init in package_inits(
            list(context.state.files_written), workspace.source_dir, workspace.test_dir
        ):
            try:
                if read_existing(workspace, init) is None:
                    context.write_file(init, "")
                    written.append(init)
            except WorkspaceError as exc:
                context.log.warning("package file not written", path=init, error=str(exc))
        return written
