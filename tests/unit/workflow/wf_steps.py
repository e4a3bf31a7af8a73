"""Small steps for the engine's tests, registered through a real plugin object."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from autobyteus_core import hookimpl
from autobyteus_core.llm.message import Message
from autobyteus_core.workflow.base_step import BaseStep, EditableOutput, OutputTable, OutputView
from autobyteus_core.workflow.errors import BudgetExceededError, OutputEditError, StepFailedError
from autobyteus_core.workflow.events import EventType
from autobyteus_core.workflow.run_record import StepOutputs, StepRecord, WorkflowState
from autobyteus_core.workflow.step_context import StepResult, WorkflowContext


def _order(context: WorkflowContext, entry: str) -> None:
    context.state.data.setdefault("order", []).append(entry)


class Note(BaseStep):
    """Records that it ran; no LLM."""

    name = "note"
    description = "records its id"

    async def execute(self, context: WorkflowContext) -> StepResult:
        _order(context, context.step_id)
        return StepResult(summary="noted", output={"id": context.step_id})


class Ask(BaseStep):
    """Asks the LLM ``calls`` times in sequence (unkeyed calls; the same ``prompt`` each time
    when given)."""

    name = "ask"
    description = "asks the LLM"

    async def execute(self, context: WorkflowContext) -> StepResult:
        replies = []
        for i in range(int(self.options.get("calls", 1))):
            prompt = (
                self.options.get("prompt")
                or f"{context.step_id} question {i} about {context.requirement}"
            )
            response = await context.complete([Message.user(prompt)], **self.options.get("llm", {}))
            replies.append(response.text)
        _order(context, context.step_id)
        context.state.data[context.step_id] = replies
        return StepResult(summary=f"{len(replies)} replies", output={"replies": replies})


class Fan(BaseStep):
    """Runs ``count`` subtasks concurrently (bounded by max_concurrency), one keyed call and
    one file each."""

    name = "fan"
    description = "concurrent subtasks"

    async def execute(self, context: WorkflowContext) -> StepResult:
        slots = asyncio.Semaphore(context.max_concurrency)

        async def subtask(i: int) -> None:
            async with slots:
                context.emit(EventType.SUBTASK_STARTED, subtask=f"task-{i}", title=f"part {i}")
                response = await context.complete(
                    [Message.user(f"write part task-{i} of {context.requirement}")],
                    key=f"task-{i}/attempt-1",
                )
                context.write_file(f"parts/task_{i}.txt", response.text)
                context.emit(EventType.SUBTASK_FINISHED, subtask=f"task-{i}", status="succeeded")

        await asyncio.gather(*(subtask(i) for i in range(int(self.options.get("count", 3)))))
        return StepResult(summary="fanned out")


class Boom(BaseStep):
    """Fails while ``state.data['boom']`` is below ``times`` (default: always)."""

    name = "boom"
    description = "fails"

    async def execute(self, context: WorkflowContext) -> StepResult:
        failures = context.state.data.get("boom", 0)
        context.state.data["boom"] = failures + 1
        if failures < int(self.options.get("times", 1_000_000)):
            raise StepFailedError(str(self.options.get("message", "it went boom")))
        _order(context, context.step_id)
        return StepResult(summary="no boom this time")


class Group(BaseStep):
    """A composite step: runs its sub-steps (BaseStep's default) between two notes."""

    name = "group"
    description = "runs its sub-steps"

    async def execute(self, context: WorkflowContext) -> StepResult:
        _order(context, f"{context.step_id}:begin")
        result = await super().execute(context)
        _order(context, f"{context.step_id}:end")
        return result


class Block(BaseStep):
    """Waits forever (until cancelled) unless ``state.data['unblock']`` is set."""

    name = "block"
    description = "waits"

    async def execute(self, context: WorkflowContext) -> StepResult:
        if not context.state.data.get("unblock"):
            context.state.data["blocked"] = True
            await asyncio.Event().wait()
        _order(context, context.step_id)
        return StepResult(summary="unblocked")


class Swallow(BaseStep):
    """Calls the LLM ``calls`` times and swallows every error, budget refusals included."""

    name = "swallow"
    description = "ignores errors"

    async def execute(self, context: WorkflowContext) -> StepResult:
        for i in range(int(self.options.get("calls", 3))):
            with contextlib.suppress(BudgetExceededError):
                await context.complete([Message.user(f"swallow {i} of {context.requirement}")])
        return StepResult(summary="carried on")


class Write(BaseStep):
    """Writes ``options['path']`` with ``options['content']``."""

    name = "write"
    description = "writes one file"

    async def execute(self, context: WorkflowContext) -> StepResult:
        written = context.write_file(self.options["path"], self.options.get("content", "x"))
        return StepResult(summary=f"wrote {written.path}")


class PlanOutputs(StepOutputs):
    """The plan :class:`Plan` keeps in the state."""

    namespace = "wf_plan"
    tasks: list[dict[str, Any]] = []


class Plan(BaseStep):
    """Stores a two-subtask plan in the state, as a design step does, and shows it."""

    name = "plan"
    description = "plans subtasks"

    async def execute(self, context: WorkflowContext) -> StepResult:
        context.state.output(PlanOutputs).tasks = [
            {"number": 1, "title": "Parser", "files": ["calc/parser.py"]},
            {"number": 2, "title": "Evaluator", "files": ["calc/evaluator.py"]},
        ]
        return StepResult(summary="2 subtasks")

    def render_output(self, state: WorkflowState, record: StepRecord) -> OutputView:
        tasks = state.output(PlanOutputs).tasks
        rows = tuple((str(t["number"]), t["title"], ", ".join(t["files"])) for t in tasks)
        return OutputView(
            tables=(OutputTable("plan", ("#", "subtask", "files"), rows),),
            json={"subtasks": tasks},
        )


class Bad(BaseStep):
    """Returns something that is not a StepResult."""

    name = "bad"
    description = "returns garbage"

    async def execute(self, context: WorkflowContext) -> StepResult:
        return "not a result"  # type: ignore[return-value]


class Outline(BaseStep):
    """Keeps ``options['items']`` as an editable list, one item a line; refuses "bad" items."""

    name = "outline"
    description = "an editable outline"
    editable = EditableOutput(file="outline.txt", what="outline", proceed="go")

    async def execute(self, context: WorkflowContext) -> StepResult:
        context.state.data["outline"] = list(self.options.get("items", ["one", "two"]))
        return StepResult(summary="outlined", output={"items": context.state.data["outline"]})

    def output_document(self, context: WorkflowContext) -> str:
        return "".join(f"{item}\n" for item in context.state.data["outline"])

    def edit_output(self, context: WorkflowContext, text: str) -> StepResult:
        items = [line.strip() for line in text.splitlines() if line.strip()]
        if "bad" in items:
            raise OutputEditError(f"item {items.index('bad') + 1} is bad")
        context.state.data["outline"] = items
        return StepResult(summary="outlined (edited)", output={"items": items})


class Picky(BaseStep):
    """Refuses, in check_run, a workspace holding a file named ``refuse``; with the option
    ``crash``, its check has a bug."""

    name = "picky"
    description = "checks the run before it starts"

    def check_run(self, context: WorkflowContext) -> None:
        if self.options.get("crash"):
            raise ValueError("bug in the check")
        if (context.workspace.root / "refuse").exists():
            raise StepFailedError(f"picky cannot serve this workspace ({context.step_id})")

    async def execute(self, context: WorkflowContext) -> StepResult:
        _order(context, context.step_id)
        return StepResult(summary="served")


STEPS: tuple[type[BaseStep], ...] = (
    Note,
    Ask,
    Fan,
    Boom,
    Group,
    Block,
    Swallow,
    Write,
    Plan,
    Bad,
    Outline,
    Picky,
)


class StepsPlugin:
    """Registers :data:`STEPS`."""

    @hookimpl
    def register_steps(self, register: Callable[[type[BaseStep]], None]) -> None:
        for step in STEPS:
            register(step)


class EventRecorder:
    """A ``workflow_event`` plugin that keeps every event."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    @hookimpl
    def workflow_event(self, event: Any) -> None:
        self.events.append(event)


class RaisingObserver:
    """A ``workflow_event`` plugin that always raises."""

    @hookimpl
    def workflow_event(self, event: Any) -> None:
        raise RuntimeError("observer bug")
