"""The interface a step sees while it runs. The engine provides the implementation."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from autobyteus_core.llm.llm_response import LLMResponse
    from autobyteus_core.llm.message import Message
    from autobyteus_core.sandbox.runner import ProcessOutcome
    from autobyteus_core.settings import AutobyteusSettings
    from autobyteus_core.workflow.base_step import BaseStep
    from autobyteus_core.workflow.events import EventType
    from autobyteus_core.workflow.step_result import StepResult
    from autobyteus_core.workflow.workflow_state import WorkflowState
    from autobyteus_core.workspace.workspace_setting import WorkspaceSetting
    from autobyteus_core.workspace.written_file import WrittenFile


class WorkflowContext(ABC):
    """Everything a step needs: the shared state, the workspace, settings and the LLM.

    Steps call the LLM only through :meth:`complete`, so every call is recorded in the run's
    transcript, checkpointed, counted against the budget, announced as events, and replayed
    instead of re-issued when the run is resumed. Steps write files only through
    :meth:`write_file`, which goes through the workspace's safe writer, and run generated code
    only through :meth:`run_code`, which runs it in the sandbox.
    """

    run_id: str
    step_id: str
    state: WorkflowState
    workspace: WorkspaceSetting
    settings: AutobyteusSettings
    model_id: str
    max_concurrency: int
    log: FilteringBoundLogger

    @property
    def requirement(self) -> str:
        """The user's requirement, as given."""
        return self.state.requirement

    @abstractmethod
    async def complete(
        self, messages: Sequence[Message], *, key: str | None = None, **options: Any
    ) -> LLMResponse:
        """Call the run's LLM.

        ``key`` names the call within the step (e.g. ``"task-3/attempt-2"``) so it is found again
        on resume whatever order concurrent calls finish in; without it, calls are numbered in
        the order the step makes them. A recorded reply for the same key and the same messages is
        returned without calling the LLM. Raises
        :class:`~autobyteus_core.workflow.errors.BudgetExceededError` before a call that the
        budget no longer allows.
        """

    def recorded_reply(self, key: str) -> str | None:
        """The reply recorded for the call ``key`` of this step in an earlier execution of the
        run, whatever prompt it answered; None when there is none (or no record is kept).

        :meth:`complete` replays a recorded reply only for the very same messages. A step whose
        prompt shows what it itself wrote (the current content of a file) asks a different
        question after a crash than before it; with this it can tell that the recorded reply
        is already applied (the file holds what the reply said) and skip the call instead of
        paying for it again.
        """
        return None

    @abstractmethod
    def write_file(self, path: str, content: str) -> WrittenFile:
        """Write ``content`` to ``path`` (relative to the workspace root) through the safe writer.

        Raises :class:`~autobyteus_core.workspace.errors.UnsafePathError` for any path that
        escapes the workspace or names a control folder. Records the file in
        ``state.files_written`` and emits a ``file_written`` event.
        """

    @abstractmethod
    def emit(self, type: EventType, **data: Any) -> None:
        """Send an event to observers (the ``workflow_event`` hook and the CLI)."""

    @abstractmethod
    async def checkpoint(self) -> None:
        """Save the run's state now (the engine also saves after every LLM call and step)."""

    @abstractmethod
    async def run_sub_steps(self, step: BaseStep) -> StepResult:
        """Run ``step``'s sub-steps in order, each with its own status, and summarise them."""

    def note(self, entry: dict[str, Any]) -> None:
        """Add a line to the run's transcript (a context that keeps none ignores it)."""
        return None

    async def commit_changes(
        self, subject: str, *, why: str = "", paths: Sequence[str] | None = None
    ) -> str | None:
        """A checkpoint of the work so far: when the run works in a git repository, commit the
        files it wrote (only ``paths`` if given) that changed since, with ``subject`` and
        ``why`` as the message; the commit's id, or None when there is no git or no change.
        Call it after a unit of work is done (a subtask, a fix round); the engine also commits
        after every step."""
        return None

    async def run_code(
        self,
        argv: Sequence[str],
        *,
        purpose: str,
        timeout_s: float,
        max_output_chars: int,
        env: Mapping[str, str] | None = None,
        writable: Sequence[Path] = (),
    ) -> ProcessOutcome:
        """Run generated code (``argv``) in the workspace root, in the sandbox the settings ask
        for (see :func:`~autobyteus_core.sandbox.runner.run_process`; the project's interpreter
        is readable there wherever it is), and record in the transcript what ran, for what
        ``purpose``, in which sandbox and how it ended."""
        from autobyteus_core.sandbox import file_guard
        from autobyteus_core.sandbox.policy import Sandbox
        from autobyteus_core.sandbox.runner import run_process

        root = self.workspace.root
        prompts = self.workspace.writer.control_files.extra
        before = file_guard.snapshot(root, prompts)
        outcome = await run_process(
            argv,
            cwd=self.workspace.root,
            timeout_s=timeout_s,
            max_output_chars=max_output_chars,
            env=env,
            sandbox=Sandbox.from_settings(self.settings),
            writable=writable,
            readable=self.workspace.interpreter.folders(),
        )
        undone = file_guard.restore(root, before, prompts)
        if undone:
            # Said in the output too, so the fix loop's prompt and the step's log show it.
            line = "autobyteus put back files generated code may not change: " + ", ".join(undone)
            self.log.warning(line, purpose=purpose)
            outcome = dataclasses.replace(outcome, output=f"{outcome.output}\n{line}\n")
        isolation = outcome.isolation.record() if outcome.isolation else {}
        self.note(
            {
                "type": "execution",
                "step": self.step_id,
                "purpose": purpose,
                "argv": list(argv),
                **isolation,
                "returncode": outcome.returncode,
                "timed_out": outcome.timed_out,
                "ending": outcome.ending(),
                "duration_s": round(outcome.duration_s, 3),
                "files_put_back": undone,
            }
        )
        return outcome
