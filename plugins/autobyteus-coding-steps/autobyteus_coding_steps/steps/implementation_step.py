"""``implementation``: each subtask's file(s) written, one file per reply, in dependency order."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import TYPE_CHECKING, Any, ClassVar

from autobyteus_coding_steps.editing import (
    EditSession,
    edit_instructions,
    edit_reask,
    uses_edit_blocks,
)
from autobyteus_coding_steps.outputs import CodingPlan
from autobyteus_coding_steps.package_api import init_source, missing_reexports
from autobyteus_coding_steps.parsing.file_reply import (
    FileReply,
    parse_file_reply,
    parse_named_files_reply,
)
from autobyteus_coding_steps.parsing.paths import named_python_paths
from autobyteus_coding_steps.parsing.python_source import (
    erased_work_issue,
    requested_names_issue,
)
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.requirement_interface import (
    public_api,
    requirement_interface,
)
from autobyteus_coding_steps.progress import StepProgress
from autobyteus_coding_steps.project_tests import record_baseline
from autobyteus_coding_steps.prompting import language_of, resource, shown_file
from autobyteus_coding_steps.scheduling import run_in_dependency_order
from autobyteus_coding_steps.steps.coding_step import CodingStep
from autobyteus_coding_steps.test_integrity import write_issues
from autobyteus_coding_steps.work_units import WorkUnit, unit_dependencies, work_units
from autobyteus_coding_steps.workspace_files import (
    file_text,
    holds,
    importable_module,
    package_inits,
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
    from autobyteus_coding_steps.outputs import Subtask
    from autobyteus_coding_steps.repo_map import ProjectMap
    from autobyteus_core import WorkflowContext


def keeps_earlier_work(path: str, old: str | None, result: ParseResult[FileReply]) -> None:
    """Add a fatal issue to ``result`` when its new content for ``path`` drops classes or
    functions the file already had."""
    if result.value is not None:
        issue = erased_work_issue(path, old, result.value.content)
        if issue is not None:
            result.issues.append(issue)


def plan_values(subtasks: list[Subtask]) -> dict[str, Any]:
    """The template values that show the plan: ``plan`` (each subtask as a dict) and
    ``plan_outline`` (one line per subtask: number, title and files)."""
    lines = []
    for task in subtasks:
        files = " (`" + "`, `".join(task.files) + "`)" if task.files else ""
        lines.append(f"- Task {task.number}: {task.title}{files}")
    return {"plan": [task.model_dump() for task in subtasks], "plan_outline": "\n".join(lines)}


def defined_elsewhere(context: WorkflowContext, path: str) -> list[dict[str, str]]:
    """``{"name", "module"}`` for each name the requirement says another file defines, so that
    the prompt for ``path`` imports it from there."""
    # Projects' iniconf (2026-12-04): `iniconf/parser.py`, written before `iniconf/errors.py`,
    # defined its own `IniSyntaxError`; the package re-exported that one, and the hidden test's
    # `iniconf.errors.IniSyntaxError is IniSyntaxError` failed.
    found = []
    for other, name in requirement_interface(context.state.requirement).definitions:
        module = importable_module(other, context.workspace.source_dir)
        if other != path and module:
            found.append({"name": name, "module": module})
    return found


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
                "plan_outline",
                "tasks",
                "task_label",
                "related_files",
                "repo_map",
                "layout_conventions",
                "path",
                "existing",
                "edit_instructions",
                "package",
                "defined_elsewhere",
                "language",
            )
        )
    }

    async def execute(self, context: WorkflowContext) -> StepResult:
        """Write the files of the plan's ``subtasks``; fail listing the subtasks that could not be done."""
        subtasks = list(CodingPlan.of(context).subtasks)
        if not subtasks:
            raise StepFailedError("there is no plan to implement: no subtasks in the state")
        options = self.settings_for(context)
        await record_baseline(context, options)  # before the first change
        units = work_units(subtasks, merge_same_file=options.merge_same_file_subtasks)
        plan = plan_values(subtasks)  # shown in every prompt: built once
        # the project as the step found it, mapped once (each prompt ranks it for its subtask)
        project = self.project_map(context, options)
        by_id = {unit.id: unit for unit in units}
        locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        records: dict[str, dict[str, Any]] = {}
        progress = StepProgress(context)

        def finished(unit: WorkUnit, **data: Any) -> None:
            for task in unit.tasks:
                context.emit(EventType.SUBTASK_FINISHED, subtask=task.id, **data)

        async def commit(unit: WorkUnit, files: list[str]) -> None:
            await context.commit_changes(
                f"{unit.label}: " + "; ".join(task.title or task.objective for task in unit.tasks),
                why="\n".join(task.objective for task in unit.tasks),
                paths=files,
            )

        async def run(unit_id: str) -> None:
            unit = by_id[unit_id]
            record = records[unit_id] = {"files": [], "attempts": 0, "notes": [], "sha256": {}}
            earlier = progress.finished_files(unit_id)
            if earlier is not None:
                record.update(files=earlier, resumed=True)
                await commit(unit, earlier)  # a run killed before its commit
                finished(unit, status="succeeded", files=earlier, resumed=True)
                return
            for task in unit.tasks:
                context.emit(
                    EventType.SUBTASK_STARTED,
                    subtask=task.id,
                    number=task.number,
                    title=task.title,
                    files=task.files,
                )
            try:
                if unit.files:
                    for path in unit.files:
                        async with locks[path]:
                            await self._write_planned(
                                context, options, plan, project, unit, path, record
                            )
                else:
                    await self._write_named(context, options, plan, project, unit, locks, record)
            except BaseException as exc:
                finished(unit, status="failed", error=str(exc))
                raise
            await progress.finish(unit_id, record.pop("sha256"))
            await commit(unit, record["files"])
            finished(unit, status="succeeded", files=record["files"])

        outcomes = await run_in_dependency_order(
            [unit.id for unit in units],
            unit_dependencies(units),
            run,
            max_concurrency=context.max_concurrency,
            recoverable=(StepFailedError, WorkspaceError),
        )
        inits = self._write_package_inits(context)
        rows = []
        problems = []
        for unit_id, outcome in outcomes.items():
            unit = by_id[unit_id]
            record = {k: v for k, v in records.get(unit_id, {}).items() if k != "sha256"}
            for task in unit.tasks:
                rows.append({"number": task.number, "title": task.title, "status": outcome.status,
                             "unit": unit_id, **record})  # fmt: skip
            what = f"{unit_id} ({'; '.join(task.title for task in unit.tasks)})"
            if outcome.error is not None:
                rows[-1]["error"] = str(outcome.error)
                problems.append(f"{what} failed: {outcome.error}")
            if outcome.blocked_by:
                problems.append(f"{what} was skipped: it needs {', '.join(outcome.blocked_by)}")
        await context.checkpoint(wait=False)  # the step's end follows
        if problems:
            done = sum(1 for row in rows if row["status"] == "succeeded")
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
        self, context: WorkflowContext, unit: WorkUnit, path: str, budget: int
    ) -> list[dict[str, str]]:
        """The files of the subtasks ``unit`` depends on, and workspace files its text names."""
        by_number = {t.number: t for t in CodingPlan.of(context).subtasks}
        wanted: list[str] = []
        for number in unit.depends_on():
            dep = by_number.get(number)
            wanted += dep.files if dep else []
        text = "\n".join(
            part
            for task in unit.tasks
            for part in (task.objective, task.functionality, task.integration_points)
        )
        named = named_python_paths(text)
        if named:  # the workspace is listed only when the text names a Python file
            wanted += [listed for listed in context.workspace.files() if listed in named]
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
        self,
        context: WorkflowContext,
        options: StepOptions,
        plan: dict[str, Any],
        project: ProjectMap,
        unit: WorkUnit,
        path: str | None,
    ) -> dict[str, Any]:
        """The template values every implementation prompt has (``path`` None: no planned file)."""
        document = CodingPlan.of(context).document(context)
        related = self._related_files(context, unit, path or "", options.max_prompt_file_chars)
        about = "\n".join(
            [document]
            + [
                f"{t.title}\n{t.objective}\n{t.functionality}\n{t.integration_points}"
                for t in unit.tasks
            ]
        )
        shown = [file["path"] for file in related] + ([path] if path else [])
        return {
            "project_type": context.workspace.project_type or "software",
            "requirement_document": document.strip(),
            **plan,
            "tasks": [t.model_dump() for t in unit.tasks],
            "task_label": unit.label,
            "related_files": related,
            "repo_map": project.render(about, options.repo_map_tokens, exclude=shown),
            "layout_conventions": context.workspace.layout_conventions,
            "path": path,
            "existing": None,
            "edit_instructions": "",
            "package": "",
            "defined_elsewhere": [],
            "language": "",
        }

    async def _write_planned(
        self,
        context: WorkflowContext,
        options: StepOptions,
        plan: dict[str, Any],
        project: ProjectMap,
        unit: WorkUnit,
        path: str,
        record: dict[str, Any],
    ) -> None:
        existing = read_existing(context.workspace, path)
        module = importable_module(path, context.workspace.source_dir)
        values = self._values(context, options, plan, project, unit, path)
        edits = uses_edit_blocks(options, existing)
        values.update(
            existing=shown_file(path, existing) if existing is not None else None,
            package=module.rsplit(".", 1)[0] if module and "." in module else "",
            defined_elsewhere=defined_elsewhere(context, path),
            language=language_of(path),
            edit_instructions=edit_instructions(path) if edits else "",
        )
        session = EditSession(path, file_text(context.workspace, path), options)

        def parse(reply: str) -> ParseResult[FileReply]:
            if edits:
                result = session.parse(reply)
            else:
                result = parse_file_reply(reply, path, max_chars=options.max_reply_chars)
            keeps_earlier_work(path, existing, result)
            if result.value is not None:
                result.issues += write_issues(context, path, result.value.content)
            if result.ok and result.value is not None and len(unit.files) == 1:
                for task in unit.tasks:
                    missing = requested_names_issue(task.title, path, result.value.content)
                    if missing is not None:
                        result.issues.append(missing)
            return result

        answer = await self.ask(
            context,
            self.messages(context, "file", values),
            key=f"{unit.id}/{path}",
            parse=parse,
            what=f"`{path}` for {unit.id}",
            instruction=edit_reask(path)
            if edits
            else f"Reply again with the whole content of `{path}` in one "
            f"```{language_of(path)} code block.",
            applied=lambda reply: holds(context.workspace, path, reply.content),
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
        plan: dict[str, Any],
        project: ProjectMap,
        unit: WorkUnit,
        locks: defaultdict[str, asyncio.Lock],
        record: dict[str, Any],
    ) -> None:
        values = self._values(context, options, plan, project, unit, None)

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
                result.issues += single.issues + write_issues(context, file.path, file.content)
            return result

        answer = await self.ask(
            context,
            self.messages(context, "file", values),
            key=unit.id,
            parse=parse,
            what=f"the files of {unit.id}",
            instruction="Reply again: for each file, its path on its own line, then its whole "
            "content in one code block.",
            applied=lambda files: (
                bool(files)
                and all(holds(context.workspace, file.path, file.content) for file in files)
            ),
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
        """Create the missing ``__init__.py`` of every folder holding generated modules; one
        whose package the requirement names names of (``wordfreq.top_words``) re-exports them
        from the modules defining them, so that ``from wordfreq import top_words`` works, and
        an existing one lacking some of them gets their re-exports appended."""
        from autobyteus_coding_steps.steps.test_generation_step import (
            generated_modules,
            module_sources,
        )

        written: list[str] = []
        workspace = context.workspace
        inits = package_inits(
            list(context.state.files_written), workspace.source_dir, workspace.test_dir
        )
        modules = generated_modules(context)
        sources = module_sources(context, modules)
        packages = {importable_module(init, workspace.source_dir): init for init in inits}
        interface = requirement_interface(context.state.requirement)
        known = {**modules, **{p: i for p, i in packages.items() if p}}
        api = public_api(interface.names, known, interface.exports)
        for package, init in packages.items():
            try:
                existing = read_existing(workspace, init)
                if existing is None:
                    content = init_source(package, api, sources) if package else ""
                    context.write_file(init, content)
                    written.append(init)
                elif package and (added := missing_reexports(package, api, sources, existing)):
                    context.write_file(init, existing.rstrip("\n") + "\n\n" + added)
                    written.append(init)
            except WorkspaceError as exc:
                context.log.warning("package file not written", path=init, error=str(exc))
        return written
