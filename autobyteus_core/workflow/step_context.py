"""What a running step sees, :class:`StepContext`, and what it gives back, :class:`StepResult`.

The context is built by the engine from the parts of the run it uses (the ledger, the journal,
the event emitter, the git side, the sub-step runner); it never sees the engine itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

from autobyteus_core.logging import get_logger
from autobyteus_core.workflow.errors import WorkflowError
from autobyteus_core.workflow.events import EventType
from autobyteus_core.workflow.workflow_status import WorkflowStatus
from autobyteus_core.workspace.errors import UnsafePathError

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from autobyteus_core.llm.llm_response import LLMResponse
    from autobyteus_core.llm.message import Message
    from autobyteus_core.sandbox.runner import ProcessOutcome
    from autobyteus_core.settings import AutobyteusSettings
    from autobyteus_core.workflow.call_ledger import CallLedger, Emit
    from autobyteus_core.workflow.run_git import RunGit
    from autobyteus_core.workflow.run_journal import RunJournal
    from autobyteus_core.workflow.run_record import WorkflowState
    from autobyteus_core.workspace.workspace_setting import WorkspaceSetting
    from autobyteus_core.workspace.written_file import WrittenFile


class StepResult(BaseModel):
    """A step's final status, a one-line summary for people, and JSON-ready output."""

    status: WorkflowStatus = WorkflowStatus.SUCCEEDED
    summary: str = ""
    output: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class _Composite(Protocol):
    """What running sub-steps needs of a step (a :class:`BaseStep` is one)."""

    @property
    def sub_steps(self) -> Mapping[str, object]: ...


#: Runs the sub-steps of a step: ``run(step, path of the context)``.
SubStepRunner = Callable[[Any, str], Awaitable[StepResult]]


@dataclasses.dataclass(frozen=True)
class RunParts:
    """The parts of a run a context works with; one left None is one the context lacks (the
    context of :meth:`BaseStep.check_run` has no ledger: it cannot call the LLM yet)."""

    journal: RunJournal | None = None
    ledger: CallLedger | None = None
    emit: Emit | None = None
    git: RunGit | None = None
    run_sub_steps: SubStepRunner | None = None


_NO_PARTS = RunParts()


class StepContext:
    """Everything a step needs: the shared state, the workspace, settings and the LLM.

    Steps call the LLM only through :meth:`complete`, so every call is recorded in the run's
    transcript, checkpointed, counted against the budget, announced as events, and replayed
    instead of re-issued when the run is resumed. Steps write files only through
    :meth:`write_file`, which goes through the workspace's safe writer, and run generated code
    only through :meth:`run_code`, which runs it in the sandbox.

    ``step_path`` is the step's place in the workflow (``"build/backend"``), where
    :attr:`BaseStep.step_id` is its id among its siblings (``"backend"``). Unkeyed LLM calls are
    numbered ``#1``, ``#2``... in the order the step makes them; a key the step uses twice in
    one execution becomes ``key~2`` for the second call.
    """

    run_id: str
    step_path: str
    state: WorkflowState
    workspace: WorkspaceSetting
    settings: AutobyteusSettings
    model_id: str
    max_concurrency: int
    log: FilteringBoundLogger

    # Class-level defaults, so a test double that sets the attributes itself (1.x contexts
    # subclassed the abstract context without calling its constructor) still works.
    _parts = _NO_PARTS
    _sequence = 0
    _keys = dict[str, int]()

    def __init__(
        self,
        step_path: str,
        *,
        run_id: str,
        state: WorkflowState,
        workspace: WorkspaceSetting,
        settings: AutobyteusSettings,
        model_id: str,
        max_concurrency: int,
        parts: RunParts = _NO_PARTS,
    ) -> None:
        """The context of one execution of the step at ``step_path`` of run ``run_id``."""
        self.run_id = run_id
        self.step_path = step_path
        self.state = state
        self.workspace = workspace
        self.settings = settings
        self.model_id = model_id
        self.max_concurrency = max_concurrency
        self.log = get_logger(run_id=run_id, step=step_path)
        self._parts = parts
        self._keys = {}

    @property
    def step_id(self) -> str:
        """The 1.x name of ``step_path``."""
        return self.step_path

    @step_id.setter
    def step_id(self, value: str) -> None:
        self.step_path = value

    @property
    def requirement(self) -> str:
        """The user's requirement, as given."""
        return self.state.requirement

    def _call_key(self, key: str | None) -> str:
        """The key under which the next call is recorded."""
        if key is None:
            self._sequence += 1
            return f"#{self._sequence}"
        if not isinstance(key, str) or not key or key.startswith("#"):
            raise ValueError(f"a call key is a non-empty string not starting with '#', got {key!r}")
        if self._keys is StepContext._keys:  # never write to the class-level default
            self._keys = {}
        uses = self._keys.get(key, 0) + 1
        self._keys[key] = uses
        return key if uses == 1 else f"{key}~{uses}"

    async def complete(
        self, messages: Sequence[Message], *, key: str | None = None, **options: Any
    ) -> LLMResponse:
        """Call the run's LLM.

        ``key`` names the call within the step (e.g. ``"task-3/attempt-2"``) so it is found again
        on resume whatever order concurrent calls finish in; without it, calls are numbered in
        the order the step makes them. A recorded reply for the same key and the same messages is
        returned without calling the LLM. Raises :class:`BudgetExceededError` before a call that
        the budget no longer allows.
        """
        ledger = self._parts.ledger
        if ledger is None:
            raise WorkflowError("the workflow has not been prepared; call start() first")
        return await ledger.complete(self.step_path, self._call_key(key), list(messages), options)

    def recorded_reply(self, key: str) -> str | None:
        """The reply recorded for the call ``key`` of this step in an earlier execution of the
        run, whatever prompt it answered; None when there is none (or no record is kept).

        :meth:`complete` replays a recorded reply only for the very same messages. A step whose
        prompt shows what it itself wrote (the current content of a file) asks a different
        question after a crash than before it; with this it can tell that the recorded reply
        is already applied (the file holds what the reply said) and skip the call instead of
        paying for it again.
        """
        journal = self._parts.journal
        exchange = None if journal is None else journal.find_exchange(self.step_path, key)
        return None if exchange is None else exchange.reply

    def write_file(self, path: str, content: str) -> WrittenFile:
        """Write ``content`` to ``path`` (relative to the workspace root) through the safe writer.

        Raises :class:`UnsafePathError` for any path that escapes the workspace or names a
        control folder. Records the file in the run (and so in ``state.files_written``) and
        emits a ``file_written`` event.
        """
        journal = self._parts.journal
        try:
            written = self.workspace.write_file(path, content)
        except UnsafePathError as exc:
            self.note(
                {
                    "type": "file_refused",
                    "step": self.step_path,
                    "path": str(path)[:500],
                    "reason": exc.reason,
                }
            )
            raise
        if journal is not None:
            journal.add_file(written, self.step_path)
        self.emit(
            EventType.FILE_WRITTEN,
            path=written.path,
            bytes=written.bytes,
            action=written.action,
            sha256=written.sha256,
        )
        return written

    def emit(self, type: EventType, **data: Any) -> None:
        """Send an event to observers (the ``workflow_event`` hook and the CLI)."""
        if self._parts.emit is not None:
            self._parts.emit(type, self.step_path, **data)

    async def checkpoint(self, *, wait: bool = True) -> None:
        """Save the run's state now (the engine also saves after every LLM call and step);
        ``wait=False`` has it saved in the background without waiting for the write (a save
        that failed is raised by the next save asked for, an LLM call's included)."""
        if self._parts.journal is None:
            return
        if wait:
            await self._parts.journal.save()
        else:
            self._parts.journal.save_soon()

    async def run_sub_steps(self, step: _Composite) -> StepResult:
        """Run ``step``'s sub-steps in order, each with its own status, and summarise them."""
        if self._parts.run_sub_steps is None:
            raise WorkflowError(f"step '{self.step_path}' cannot run sub-steps here")
        return await self._parts.run_sub_steps(step, self.step_path)

    def note(self, entry: dict[str, Any]) -> None:
        """Add a line to the run's transcript (a context that keeps none ignores it)."""
        if self._parts.journal is not None:
            self._parts.journal.note(entry)

    async def commit_changes(
        self, subject: str, *, why: str = "", paths: Sequence[str] | None = None
    ) -> str | None:
        """A checkpoint of the work so far: when the run works in a git repository, commit the
        files it wrote (only ``paths`` if given) that changed since, with ``subject`` and
        ``why`` as the message; the commit's id, or None when there is no git or no change.
        Call it after a unit of work is done (a subtask, a fix round); the engine also commits
        after every step."""
        git, journal = self._parts.git, self._parts.journal
        if git is None or journal is None:
            return None
        chosen = list(paths) if paths is not None else [f.path for f in journal.run.files]
        sha = await git.commit(chosen, subject, why, self.step_path)
        if sha is not None:
            journal.note({"type": "commit", "step": self.step_path, "sha": sha, "subject": subject})
        return sha

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
        for (see :func:`run_process`; the project's interpreter is readable there wherever it
        is), and record in the transcript what ran, for what ``purpose``, in which sandbox and
        how it ended."""
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
                "step": self.step_path,
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


#: The 1.x name of :class:`StepContext` (plugins type-hint their steps' context with it).
WorkflowContext = StepContext
