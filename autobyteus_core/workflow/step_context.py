"""The engine's :class:`WorkflowContext`: what one running step sees."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autobyteus_core.logging import get_logger
from autobyteus_core.workflow.workflow_context import WorkflowContext

if TYPE_CHECKING:
    from autobyteus_core.llm.llm_response import LLMResponse
    from autobyteus_core.llm.message import Message
    from autobyteus_core.workflow.base_step import BaseStep
    from autobyteus_core.workflow.events import EventType
    from autobyteus_core.workflow.step_result import StepResult
    from autobyteus_core.workflow.workflow import Workflow
    from autobyteus_core.workspace.written_file import WrittenFile


class StepContext(WorkflowContext):
    """The context of one execution of the step at ``step_id`` (a path such as ``"a/b"``).

    Unkeyed LLM calls are numbered ``#1``, ``#2``... in the order the step makes them; a key
    the step uses twice in one execution becomes ``key~2`` for the second call.
    """

    def __init__(self, workflow: Workflow, step_id: str) -> None:
        """Bind a context to ``workflow`` (which must be prepared) for the step ``step_id``."""
        self._workflow = workflow
        self.run_id = workflow.run_id
        self.step_id = step_id
        self.state = workflow.state
        self.workspace = workflow.workspace
        self.settings = workflow.settings
        self.model_id = workflow.model_id
        self.max_concurrency = workflow.max_concurrency
        self.log = get_logger(run_id=self.run_id, step=step_id)
        self._sequence = 0
        self._keys: dict[str, int] = {}

    def call_key(self, key: str | None) -> str:
        """The key under which the next call is recorded."""
        if key is None:
            self._sequence += 1
            return f"#{self._sequence}"
        if not isinstance(key, str) or not key or key.startswith("#"):
            raise ValueError(f"a call key is a non-empty string not starting with '#', got {key!r}")
        uses = self._keys.get(key, 0) + 1
        self._keys[key] = uses
        return key if uses == 1 else f"{key}~{uses}"

    async def complete(
        self, messages: Sequence[Message], *, key: str | None = None, **options: Any
    ) -> LLMResponse:
        """Call the run's LLM through the engine (recorded, replayed, budgeted)."""
        return await self._workflow.ledger.complete(
            self.step_id, self.call_key(key), list(messages), options
        )

    def recorded_reply(self, key: str) -> str | None:
        """The reply recorded for call ``key`` of this step (see the base class)."""
        exchange = self._workflow.recorder.find_exchange(self.step_id, key)
        return None if exchange is None else exchange.reply

    def write_file(self, path: str, content: str) -> WrittenFile:
        """Write through the workspace's safe writer and record the change."""
        return self._workflow.record_write(self.step_id, path, content)

    def note(self, entry: dict[str, Any]) -> None:
        """Add a line to the run's transcript."""
        self._workflow.recorder.note(entry)

    def emit(self, type: EventType, **data: Any) -> None:
        """Send an event from this step."""
        self._workflow.emit(type, self.step_id, **data)

    async def checkpoint(self) -> None:
        """Save the run's state now."""
        await self._workflow.recorder.save()

    async def commit_changes(
        self, subject: str, *, why: str = "", paths: Sequence[str] | None = None
    ) -> str | None:
        """Commit the run's changed files (see the base class)."""
        return await self._workflow.commit_changes(self.step_id, subject, why, paths)

    async def run_sub_steps(self, step: BaseStep) -> StepResult:
        """Run ``step``'s sub-steps in order; see :meth:`Workflow.run_sub_steps`."""
        return await self._workflow.run_sub_steps(step, self.step_id)
