"""``Workflow``: builds steps from a definition, runs them, records and resumes the run.

A workflow is a :class:`WorkflowDefinition` (an ordered tree of registered step names) plus
one run of it: its :class:`RunState`, saved by its :class:`RunJournal` under
``<workspace>/.autobyteus/runs/<run-id>/`` after every LLM call and every step.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import to_json

from autobyteus_core.app import Application
from autobyteus_core.errors import AutobyteusError
from autobyteus_core.llm.llm_integration import LLMIntegration
from autobyteus_core.logging import get_logger
from autobyteus_core.settings import AutobyteusSettings
from autobyteus_core.workflow.call_ledger import Budget, CallLedger
from autobyteus_core.workflow.errors import (
    BudgetExceededError,
    OutputEditError,
    UnknownStepError,
    WorkflowError,
)
from autobyteus_core.workflow.events import EventType, WorkflowEvent
from autobyteus_core.workflow.loading import StepSpec, compose_definition, unknown_step_name
from autobyteus_core.workflow.run_git import RunGit, branch_for
from autobyteus_core.workflow.run_journal import RunJournal, RunStore
from autobyteus_core.workflow.run_record import RUN_FORMAT, RunState
from autobyteus_core.workflow.step_context import RunParts, StepContext, StepResult
from autobyteus_core.workflow.workflow_status import WorkflowStatus
from autobyteus_core.workspace.atomic_write import atomic_write_bytes, remove_orphaned_temp_files
from autobyteus_core.workspace.control_files import ControlFiles
from autobyteus_core.workspace.workspace_setting import WorkspaceSetting

if TYPE_CHECKING:
    from autobyteus_core.llm.usage import Usage
    from autobyteus_core.workflow.base_step import BaseStep
    from autobyteus_core.workflow.run_record import WorkflowState
    from autobyteus_core.workflow.steps_template_config import (
        StepsTemplateConfig,
        WorkflowDefinition,
    )

#: An in-process observer of workflow events (the CLI's progress display is one).
Listener = Callable[[WorkflowEvent], None]

SUCCEEDED = WorkflowStatus.SUCCEEDED
CANCELLED = WorkflowStatus.CANCELLED


class _Pause(BaseException):
    """Raised after a step the run pauses after; unwinds the steps that contain it (a
    BaseException, like cancellation, so a step's ``except Exception`` does not swallow it)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class Workflow:
    """A workflow and one run of it.

    Build one from a definition, from step classes or names (:meth:`from_steps`), from a TOML
    or JSON file (:meth:`from_file`), or from a saved run (:meth:`load`, :meth:`from_json`).
    Then ``await workflow.start(requirement=...)`` or call the blocking :meth:`run`.

    ``model`` is a ``provider:model`` id (resolved through the application's LLM registry, like
    ``--model``) or a ready :class:`LLMIntegration`.
    ``budget_tokens``, ``budget_usd`` and ``max_concurrency`` default to the settings.
    ``listeners`` receive every event, as the ``workflow_event`` hook does. ``pause_after``
    names steps (ids or paths) after which :meth:`start` stops with the status ``paused``, as
    a step's ``pause_after = true`` in the definition does; :meth:`start` again continues.
    ``git``, ``branch`` and ``allow_dirty`` (default: the settings ``git``, ``git_branch`` and
    ``git_allow_dirty``) say whether a new run in a git repository works on a branch of its own
    and commits there (see :mod:`.run_git`), which branch, and whether
    it may start on a work tree with uncommitted changes.
    """

    def __init__(
        self,
        definition: WorkflowDefinition | None = None,
        *,
        app: Application | None = None,
        workspace: Path | str | None = None,
        settings: AutobyteusSettings | None = None,
        model: str | LLMIntegration | None = None,
        run_id: str | None = None,
        budget_tokens: int | None = None,
        budget_usd: float | None = None,
        max_concurrency: int | None = None,
        listeners: Iterable[Listener] = (),
        run: RunState | None = None,
        pause_after: Iterable[str] = (),
        git: bool | None = None,
        branch: str | None = None,
        allow_dirty: bool | None = None,
    ) -> None:
        """Create a workflow (nothing is written until it starts)."""
        if definition is None and run is None:
            raise WorkflowError("a workflow needs a definition (or a saved run)")
        self.app = app if app is not None else Application()
        root = workspace or (settings.workspace if settings else None)
        if root is None and run is not None and run.workspace:
            root = run.workspace
        self.workspace_root = Path(root or Path.cwd()).expanduser().absolute()
        self.settings = settings or AutobyteusSettings.load(self.workspace_root)
        if run is None:
            assert definition is not None
            run = RunState.new(
                run_id or RunStore.new_run_id(),
                definition,
                budget_tokens=self.settings.budget_tokens,
                budget_usd=self.settings.budget_usd,
                max_concurrency=self.settings.max_concurrency,
            )
        elif run.format > RUN_FORMAT:
            raise WorkflowError(
                f"run {run.run_id} was saved by a newer autobyteus (format {run.format})"
            )
        if budget_tokens is not None:
            run.budget_tokens = budget_tokens
        if budget_usd is not None:
            run.budget_usd = budget_usd
        if max_concurrency is not None:
            run.max_concurrency = max(1, max_concurrency)
        self.run_state = run
        self.definition = run.workflow
        self.listeners: list[Listener] = list(listeners)
        self.journal = RunJournal(run)
        self.steps: dict[str, BaseStep] = {}
        self._model = model
        self._by_path: dict[str, BaseStep] = {}
        self._paths: dict[int, str] = {}
        self._llm: LLMIntegration | None = None
        self._ledger: CallLedger | None = None
        self._run_dir: Path | None = None
        self._workspace: WorkspaceSetting | None = None
        self._owns_llm = False
        self._runner: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancel_requested = False
        self.pause_after = {path for path, config in self.definition.walk() if config.pause_after}
        for path in pause_after:
            if path not in run.steps:
                raise UnknownStepError(
                    f"cannot pause after '{path}': workflow '{self.name}' has no such step; its "
                    "steps are: " + ", ".join(run.steps)
                )
            self.pause_after.add(path)
        self._pausing = False
        self._use_git = self.settings.git if git is None else git
        self._branch = branch or self.settings.git_branch
        self._allow_dirty = self.settings.git_allow_dirty if allow_dirty is None else allow_dirty
        self._git: RunGit | None = None

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def from_steps(
        cls,
        steps: Sequence[StepSpec] | Mapping[str, StepSpec],
        *,
        name: str = "custom",
        description: str = "",
        app: Application | None = None,
        **kwargs: Any,
    ) -> Workflow:
        """A workflow of ``steps``: step classes (registered on the fly when needed),
        registered step names, or :class:`StepsTemplateConfig` objects; a mapping sets the ids.
        Other keyword arguments are those of the constructor."""
        app = app if app is not None else Application()
        definition = compose_definition(steps, app=app, name=name, description=description)
        return cls(definition, app=app, **kwargs)

    @classmethod
    def from_file(cls, path: Path | str, **kwargs: Any) -> Workflow:
        """A workflow whose definition is read from a TOML or JSON file."""
        from autobyteus_core.workflow.loading import load_workflow_file

        return cls(load_workflow_file(Path(path)), **kwargs)

    @classmethod
    def from_json(cls, text: str | bytes, **kwargs: Any) -> Workflow:
        """The workflow and run saved by :meth:`to_json` (ready to :meth:`start` again).

        A run's ``state.json`` leaves the LLM exchanges to ``transcript.jsonl``: to continue a
        stored run use :meth:`load`, which reads both.
        """
        try:
            run = RunState.model_validate_json(text)
        except ValidationError as exc:
            raise WorkflowError(f"not a saved autobyteus run: {exc}") from exc
        return cls(run.workflow, run=run, **kwargs)

    @classmethod
    def load(cls, run_id: str, *, workspace: Path | str | None = None, **kwargs: Any) -> Workflow:
        """The run ``run_id`` (or a unique prefix of it, or ``last``) of ``workspace``."""
        root = Path(workspace or Path.cwd()).expanduser().absolute()
        run = RunStore(root).load(run_id)
        return cls(run.workflow, run=run, workspace=root, **kwargs)

    # -- what it is ----------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def run_id(self) -> str:
        return self.run_state.run_id

    @property
    def state(self) -> WorkflowState:
        """The data the steps share."""
        return self.run_state.state

    @property
    def status(self) -> WorkflowStatus:
        return self.run_state.status

    @property
    def usage(self) -> Usage:
        """Tokens and cost of every LLM call of the run so far."""
        return self.run_state.usage

    @property
    def max_concurrency(self) -> int:
        """How many subtasks (and LLM calls) may run at once."""
        return self.run_state.max_concurrency

    @property
    def model_id(self) -> str:
        """The id of the model in use (known once the run is prepared)."""
        if self._llm is not None:
            return self._llm.model_id
        model = self._model
        if isinstance(model, LLMIntegration):
            return model.model_id
        return model or self.run_state.model_id or ""

    @property
    def run_dir(self) -> Path:
        """Where the run is saved."""
        # Kept: every event names it, and the run id and workspace never change.
        if self._run_dir is None:
            self._run_dir = RunStore(self.workspace_root).run_dir(self.run_id)
        return self._run_dir

    @property
    def workspace(self) -> WorkspaceSetting:
        """The workspace, its type detected through the registered workspace types."""
        if self._workspace is None:
            types = [r.item for r in self.app.workspace_types.registrations()]
            self._workspace = WorkspaceSetting.detect(
                self.workspace_root,
                types,
                max_file_bytes=self.settings.max_file_bytes,
                control_files=ControlFiles.for_workspace(
                    self.workspace_root, self.settings.prompt_files()
                ),
                python=self.settings.python,
            )
        return self._workspace

    @property
    def recorder(self) -> RunJournal:
        """The 1.x name of ``journal``."""
        return self.journal

    @property
    def ledger(self) -> CallLedger:
        """The LLM gateway of the run (available once prepared)."""
        if self._ledger is None:
            raise WorkflowError("the workflow has not been prepared; call start() first")
        return self._ledger

    def add_listener(self, listener: Listener) -> None:
        """Receive every event of this workflow."""
        self.listeners.append(listener)

    def to_json(self) -> str:
        """The whole run as JSON: configuration, statuses, step outputs, state, LLM exchanges,
        files and usage. Never contains a secret."""
        return self.journal.to_json()

    # -- building steps ------------------------------------------------------------------------

    def initialize_steps(self) -> dict[str, BaseStep]:
        """Create the step objects from the definition through the step registry.

        Raises :class:`UnknownStepError` listing the registered steps for an unknown name.
        """
        registry = self.app.steps
        self._by_path.clear()
        self._paths.clear()

        def build(prefix: str, configs: dict[str, StepsTemplateConfig]) -> dict[str, BaseStep]:
            built: dict[str, BaseStep] = {}
            for step_id, config in configs.items():
                path = prefix + step_id
                if not step_id or "/" in step_id:
                    raise WorkflowError(f"invalid step id {path!r}: ids may not contain '/'")
                if config.step not in registry:
                    raise unknown_step_name(config.step, registry, where=f"step '{path}'")
                step_class = registry.get(config.step)
                children = build(path + "/", config.steps)
                try:
                    step = step_class(step_id, dict(config.options), children)
                except Exception as exc:
                    raise WorkflowError(
                        f"cannot create step '{path}' ({config.step}): {exc}"
                    ) from exc
                built[step_id] = step
                self._by_path[path] = step
                self._paths[id(step)] = path
            return built

        self.steps = build("", self.definition.steps)
        return self.steps

    def editable_steps(self) -> list[str]:
        """The paths of the steps that keep an editable output, in order."""
        if not self.steps:
            self.initialize_steps()
        return [path for path, step in self._by_path.items() if step.editable is not None]

    def step_at(self, step_id: str) -> BaseStep:
        """The step at ``step_id`` (a top-level id or a path such as ``"build/backend"``)."""
        if not self.steps:
            self.initialize_steps()
        step = self._by_path.get(step_id)
        if step is None:
            raise UnknownStepError(
                f"workflow '{self.name}' has no step '{step_id}'; its steps are: "
                + ", ".join(self.run_state.steps)
            )
        return step

    def step_context(self, path: str) -> StepContext:
        """A context for the step at ``path``, with the parts of the run prepared so far (before
        :meth:`prepare` it cannot call the LLM)."""
        parts = RunParts(self.journal, self._ledger, self.emit, self._git, self.run_sub_steps)
        return StepContext(
            path,
            run_id=self.run_id,
            state=self.state,
            workspace=self.workspace,
            settings=self.settings,
            model_id=self.model_id,
            max_concurrency=self.max_concurrency,
            parts=parts,
        )

    # -- preparing -------------------------------------------------------------------------

    def prepare(self) -> None:
        """Build the steps and the LLM, ask the steps still to run whether they can serve it
        (:meth:`BaseStep.check_run`), then create the run folder. A missing model or a refusing
        step fails before anything is written. Idempotent."""
        if self._ledger is not None:
            return
        if not self.steps:
            self.initialize_steps()
        llm = self._resolve_llm()
        self._refuse_if_running_elsewhere()
        workspace = self.workspace
        self._check_steps()  # before git: a refused run leaves no branch behind
        self._prepare_git()
        run_dir = RunStore(workspace.root).create(self.run_id)
        self.journal.attach(run_dir)
        self.run_state.model_id = llm.model_id
        self.run_state.workspace = str(workspace.root)
        self.run_state.pid = os.getpid()
        self.run_state.host = socket.gethostname()
        budget = Budget(tokens=self.run_state.budget_tokens, usd=self.run_state.budget_usd)
        self._ledger = CallLedger(self.journal, llm, budget, self.max_concurrency, self.emit)

    def _prepare_git(self) -> None:
        """Start the run's branch (a new run in a repository) or check it out again (a run
        that has one); raises :class:`GitError` saying why when git refuses."""
        run = self.run_state
        if run.git is not None:
            git = RunGit.open(self.workspace_root, self.run_id, run.git)
            if git is not None:
                git.resume()
        elif self._use_git and not any(r.attempts for r in run.steps.values()):
            git = RunGit.open(self.workspace_root, self.run_id, None)
            if git is not None:
                run.git = git.begin(
                    branch_for(self.run_id, self._branch), allow_dirty=self._allow_dirty
                )
        else:
            git = None
        self._git = git

    def _check_steps(self) -> None:
        """Ask every step that has not succeeded whether it can serve this run
        (:meth:`BaseStep.check_run`); the first refusal fails the run before anything is paid
        for or written."""
        for path, step in self._by_path.items():
            if self.run_state.steps[path].status is SUCCEEDED:
                continue
            try:
                step.check_run(self.step_context(path))
            except AutobyteusError:
                raise
            except Exception as exc:  # a bug in the check: say which step's
                raise WorkflowError(
                    f"step '{path}' ({step.name}) could not check the run: {_describe(exc)}"
                ) from exc

    def _resolve_llm(self) -> LLMIntegration:
        """The run's LLM, resolved on first use and kept until :meth:`aclose`."""
        if self._llm is not None:
            return self._llm
        if isinstance(self._model, LLMIntegration):
            self._llm = self._model
            return self._llm
        model_id = self.app.llm.resolve_model_id(
            self.settings, self._model or self.run_state.model_id
        )
        self._llm = self.app.llm.get(model_id, self.settings)
        self._owns_llm = True
        return self._llm

    async def aclose(self) -> None:
        """Close the LLM clients if this workflow created its LLM (one given to it belongs to
        the caller); the next :meth:`prepare` resolves the model again."""
        if not self._owns_llm:
            return
        self._owns_llm = False
        self._llm = self._ledger = None
        await self.app.llm.aclose()

    def _refuse_if_running_elsewhere(self) -> None:
        run = self.run_state
        if run.is_live_elsewhere():
            raise WorkflowError(
                f"run {run.run_id} is being run by process {run.pid}; stop that process first"
            )

    def _remove_orphaned_temp_files(self) -> None:
        """A run killed between a file write's create and rename leaves the temporary file in
        the folder written to: resuming removes those of writers no longer running."""
        root = self.workspace.root
        folders = {root, *(root / Path(p).parent for p in self.state.files_written)}
        if self.journal.run_dir is not None:
            folders.add(self.journal.run_dir)
        for folder in sorted(folders):
            for name in remove_orphaned_temp_files(folder):
                get_logger(run_id=self.run_id).info(
                    "removed a killed writer's temporary file", folder=str(folder), file=name
                )

    # -- running -------------------------------------------------------------------------------

    async def start(self, requirement: str | None = None) -> RunState:
        """Run every step that has not succeeded yet, in order, and return the run record.

        A new run needs ``requirement``; a loaded run continues where it stopped, replaying its
        recorded LLM calls. Failures, cancellation and a reached budget end the run with that
        status (saved, resumable); only cancelling the calling task re-raises.
        """
        self._set_requirement(requirement)
        self.prepare()
        if self.run_state.status is SUCCEEDED:
            return self.run_state
        resumed = any(r.attempts for r in self.run_state.steps.values())
        if resumed:
            self._remove_orphaned_temp_files()
        self.run_state.status = WorkflowStatus.RUNNING
        self.run_state.error = self.run_state.stop_reason = self.run_state.paused_after = None
        self.ledger.stopped = None
        self.emit(
            EventType.WORKFLOW_STARTED,
            requirement=self.state.requirement,
            resumed=resumed,
            steps=[(r.id, r.step) for r in self.run_state.steps.values()],
        )
        # On disk before any step runs: the run is listed as running, and the pid it records
        # makes a second process refuse to run it at the same time.
        await self.journal.save()
        self._loop = asyncio.get_running_loop()
        runner = asyncio.create_task(self._run_steps())
        self._runner = runner
        if self._cancel_requested:  # cancel() came before the runner existed
            runner.cancel()
        self._pausing = True  # pauses are start()'s: execute_step runs just the step it is asked
        try:
            await runner
        except asyncio.CancelledError:
            await self._finish(CANCELLED, "cancelled", "cancelled")
            if not self._cancel_requested:
                raise
        except BaseException as exc:
            self.run_state.status = WorkflowStatus.FAILED
            self.run_state.error = _describe(exc)
            with contextlib.suppress(Exception):  # the save itself may be what failed
                self.journal.save_now()
            raise
        finally:
            self._runner = None
            self._cancel_requested = False
            self._pausing = False
        return self.run_state

    def run(self, requirement: str | None = None) -> RunState:
        """Blocking :meth:`start` (for scripts; inside async code ``await start()``)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._start_and_close(requirement))
            return self.run_state
        raise WorkflowError("run() blocks; inside async code use `await workflow.start(...)`")

    async def _start_and_close(self, requirement: str | None) -> None:
        # Returns None: asyncio.run may repr its main task, and with it the task's result.
        try:
            await self.start(requirement)
        finally:
            await self.aclose()

    def cancel(self) -> None:
        """Stop the run: the running step is cancelled, the run saved as ``cancelled`` and
        :meth:`start` returns. Safe to call from a signal handler or another thread."""
        self._cancel_requested = True
        runner, loop = self._runner, self._loop
        if runner is None or loop is None or runner.done():
            return
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop:
            runner.cancel()
        else:
            loop.call_soon_threadsafe(runner.cancel)

    async def execute_step(self, step_id: str) -> StepResult:
        """Run one step now (again, if it ran before), with its sub-steps.

        ``step_id`` is a top-level id or a path such as ``"build/backend"``; an unknown one
        raises :class:`UnknownStepError` naming the workflow's steps. Recorded LLM calls with
        the same prompt are replayed.
        """
        step = self.step_at(step_id)
        self.prepare()
        for path, record in self.run_state.steps.items():
            # its sub-steps too, or run_sub_steps would skip them as already succeeded
            if path == step_id or path.startswith(step_id + "/"):
                record.status = WorkflowStatus.PENDING
        self.run_state.status = WorkflowStatus.RUNNING
        self.ledger.stopped = None
        try:
            result = await self._execute(step, step_id)
        except BudgetExceededError as exc:
            await self._finish(CANCELLED, str(exc), "budget")
            raise
        if all(self.run_state.steps[sid].status is SUCCEEDED for sid in self.steps):
            self.run_state.status = SUCCEEDED
        elif result.status is not SUCCEEDED:
            self.run_state.status = result.status
        else:
            self.run_state.status = WorkflowStatus.PENDING
        await self.journal.save()
        return result

    def _set_requirement(self, requirement: str | None) -> None:
        if requirement is None:
            return
        started = any(r.attempts for r in self.run_state.steps.values())
        if started and requirement != self.state.requirement:
            raise WorkflowError(
                f"run {self.run_id} was started for another requirement; start a new run instead"
            )
        self.state.requirement = requirement

    async def _run_steps(self) -> None:
        try:
            await self._run_top_steps()
        except _Pause as pause:
            await self._finish(WorkflowStatus.PAUSED, self._pause_message(pause.path), "pause")

    def _pause_message(self, path: str) -> str:
        self.run_state.paused_after = path
        message = f"paused after step '{path}'"
        editable = self._by_path[path].editable
        if editable is not None:
            message += (
                f"; its {editable.what} is in {self.run_dir / editable.file} "
                f"(`autobyteus plan {self.run_id} --edit` changes it)"
            )
        return message

    async def _run_top_steps(self) -> None:
        for step_id, step in self.steps.items():
            if self.run_state.steps[step_id].status is SUCCEEDED:
                continue
            try:
                result = await self._execute(step, step_id)
            except BudgetExceededError as exc:
                await self._finish(
                    CANCELLED,
                    f"{exc}. The run is saved: `autobyteus resume {self.run_id} --budget ...` "
                    "continues it with a larger budget",
                    "budget",
                )
                return
            if result.status is not SUCCEEDED:
                detail = result.error or result.summary or "no details"
                await self._finish(
                    result.status, f"step '{step_id}' {result.status.value}: {detail}", "step"
                )
                return
        await self._finish(SUCCEEDED, None, None)

    async def _finish(
        self, status: WorkflowStatus, error: str | None, stop_reason: str | None
    ) -> None:
        self.run_state.status = status
        self.run_state.error = error
        self.run_state.stop_reason = stop_reason
        self.emit(
            EventType.WORKFLOW_FINISHED,
            status=status.value,
            error=error,
            stop_reason=stop_reason,
            total_tokens=self.usage.total_tokens,
            cost_usd=self.usage.cost_usd,
        )
        await self.journal.save()

    async def _execute(self, step: BaseStep, path: str) -> StepResult:
        """Run one step with its own context, status, timing and events."""
        record = self.run_state.steps[path]
        record.status = WorkflowStatus.RUNNING
        record.attempts += 1
        record.started_at = time.time()
        record.finished_at = None
        record.error = None
        self.emit(
            EventType.STEP_STARTED,
            path,
            step=step.name,
            description=step.description,
            attempt=record.attempts,
        )
        # Not waited for: nothing of a step's start has to be on disk before the step works
        # (each reply is in the transcript before it is used, and a step re-run on resume
        # replays its calls); waiting put a thread hop and an fsync on every run's critical path.
        self.journal.save_soon()
        clock = time.perf_counter()
        context = self.step_context(path)
        try:
            try:
                result = await step.execute(context)
                if step.editable is not None and result.status is SUCCEEDED:
                    # In a thread: its fsync would hold up every run sharing this event loop.
                    document = step.output_document(context)
                    await asyncio.to_thread(self._write_document, path, document)
                if isinstance(result, StepResult) and result.status is SUCCEEDED:
                    await context.commit_changes(f"{path}: {result.summary}", why=step.description)
            finally:
                record.wall_time_s += time.perf_counter() - clock
        except _Pause:  # a sub-step paused the run: this step continues on resume
            record.status = WorkflowStatus.PENDING
            record.finished_at = time.time()
            await self.journal.save()
            raise
        except BudgetExceededError as exc:
            await self._close(
                path, StepResult(status=CANCELLED, summary="budget reached", error=str(exc))
            )
            raise
        except asyncio.CancelledError:
            await self._close(
                path, StepResult(status=CANCELLED, summary="cancelled", error="cancelled")
            )
            raise
        except Exception as exc:
            result = self._failure(path, exc)
        else:
            result = _checked(result)
        stopped = self.ledger.stopped
        if stopped is not None:  # the step caught a budget refusal and carried on
            await self._close(
                path, StepResult(status=CANCELLED, summary="budget reached", error=stopped)
            )
            raise BudgetExceededError(stopped)
        await self._close(path, result, wait=False)
        pause = self._pausing and path in self.pause_after and result.status is SUCCEEDED
        if pause and self._steps_left(path):
            raise _Pause(path)
        return result

    def _steps_left(self, path: str) -> bool:
        """Whether any step other than ``path`` and the steps it is nested in still has to
        succeed (pausing after the last step would only delay the end)."""
        return any(
            record.status is not SUCCEEDED
            for other, record in self.run_state.steps.items()
            if other != path and not path.startswith(other + "/")
        )

    def _failure(self, path: str, exc: Exception) -> StepResult:
        message = _describe(exc)
        self.journal.note(
            {
                "type": "step_error",
                "step": path,
                "error": message,
                "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
            }
        )
        get_logger(run_id=self.run_id, step=path).warning("step failed", error=message)
        return StepResult(status=WorkflowStatus.FAILED, summary="failed", error=message)

    async def _close(self, path: str, result: StepResult, *, wait: bool = True) -> None:
        """Record how the step at ``path`` ended and save it (``wait``: before returning; a step
        ending normally is followed by another step or by the run's end, whose save is waited
        for, and on resume a step not saved as ended is run again, replaying its calls)."""
        record = self.run_state.steps[path]
        record.status = result.status
        record.summary = result.summary
        record.output = result.output
        record.error = result.error
        record.finished_at = time.time()
        self.emit(
            EventType.STEP_FINISHED if result.status is SUCCEEDED else EventType.STEP_FAILED,
            path,
            step=record.step,
            status=result.status.value,
            summary=result.summary,
            error=result.error,
            wall_time_s=record.wall_time_s,
            total_tokens=record.usage.total_tokens,
            cost_usd=record.usage.cost_usd,
            files=len(record.files),
        )
        if wait:
            await self.journal.save()
        else:
            self.journal.save_soon()

    async def run_sub_steps(self, step: BaseStep, parent: str) -> StepResult:
        """Run ``step``'s sub-steps in order, skipping those that already succeeded (on
        resume); stop at the first that does not succeed and report it."""
        base = self._paths.get(id(step), parent)
        statuses: dict[str, str] = {}
        for sub_id, sub in step.sub_steps.items():
            path = self._paths.get(id(sub), f"{base}/{sub_id}")
            record = self.run_state.steps.get(path)
            if record is None:
                raise WorkflowError(f"sub-step '{path}' is not part of workflow '{self.name}'")
            if record.status is not SUCCEEDED:
                result = await self._execute(sub, path)
                if result.status is not SUCCEEDED:
                    statuses[sub_id] = result.status.value
                    return StepResult(
                        status=result.status,
                        summary=f"sub-step '{sub_id}' {result.status.value}",
                        error=result.error,
                        output={"sub_steps": statuses},
                    )
            statuses[sub_id] = SUCCEEDED.value
        return StepResult(
            summary=f"{len(statuses)} sub-steps succeeded", output={"sub_steps": statuses}
        )

    # -- editable outputs ----------------------------------------------------------------------

    def document_path(self, step_id: str) -> Path:
        """Where step ``step_id`` keeps its editable output (see :meth:`edit_output`)."""
        editable = self.step_at(step_id).editable
        if editable is None:
            raise WorkflowError(f"step '{step_id}' keeps no editable output")
        return self.run_dir / editable.file

    def _write_document(self, step_id: str, text: str) -> None:
        atomic_write_bytes(self.document_path(step_id), text.encode("utf-8"))

    def check_editable(self, step_id: str) -> None:
        """Raise :class:`WorkflowError` saying why the output of ``step_id`` cannot be edited
        now: the step keeps none, has not succeeded, or a later step has already started."""
        editable = self.step_at(step_id).editable
        if editable is None:
            raise WorkflowError(f"step '{step_id}' keeps no editable output")
        self._refuse_if_running_elsewhere()
        if self.run_state.steps[step_id].status is not SUCCEEDED:
            raise WorkflowError(
                f"step '{step_id}' of run {self.run_id} has not succeeded: there is no "
                f"{editable.what} to edit yet"
            )
        paths = list(self.run_state.steps)
        for later in paths[paths.index(step_id) + 1 :]:
            if later.startswith(step_id + "/") or not self.run_state.steps[later].attempts:
                continue
            raise WorkflowError(
                f"run {self.run_id} has already started on its {editable.what} (step '{later}' "
                f"ran), so editing the {editable.what} now would not change what was done; "
                "start a new run to change it"
            )

    def edit_output(self, step_id: str, text: str) -> StepResult:
        """Replace the output of step ``step_id`` by the step's reading of ``text``, an edited
        copy of its document; needs no model.

        The step's record and the shared state take the new output, the document is rewritten
        from it and the run saved; the transcript keeps the edited text and the previous output
        and document. Raises :class:`WorkflowError` when the output cannot be edited now (see
        :meth:`check_editable`) and :class:`OutputEditError` when the step refuses ``text``;
        either way nothing changes.
        """
        self.check_editable(step_id)
        step = self.step_at(step_id)
        context = self.step_context(step_id)
        result = _checked(step.edit_output(context, text))
        if result.status is not SUCCEEDED:
            raise OutputEditError(result.error or f"step '{step_id}' refused the edited text")
        document = self.document_path(step_id)
        previous = document.read_text(encoding="utf-8") if document.is_file() else None
        record = self.run_state.steps[step_id]
        if self.journal.run_dir is None:
            self.journal.attach(RunStore(self.workspace_root).create(self.run_id))
        self.journal.note(
            {
                "type": "output_edited",
                "step": step_id,
                "file": document.name,
                "text": text,
                "previous_output": record.output,
                "previous_document": previous,
            }
        )
        record.output, record.summary = result.output, result.summary
        self._write_document(step_id, step.output_document(context))
        self.journal.save_now()
        return result

    # -- events --------------------------------------------------------------------------------

    def emit(self, type: EventType, step_id: str | None = None, **data: Any) -> None:
        """Send an event to the listeners and the ``workflow_event`` hook; an observer that
        raises is logged and never stops the run."""
        event = WorkflowEvent(
            type=type,
            run_id=self.run_id,
            step_id=step_id,
            workspace=str(self.workspace_root),
            run_dir=str(self.run_dir),
            data=data,
        )
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception as exc:
                get_logger(run_id=self.run_id).warning("workflow listener failed", error=repr(exc))
        if self._observed():
            self.app.emit(event)

    def _observed(self) -> bool:
        """Whether any plugin implements ``workflow_event`` (events are frequent: skip the hook
        call when nobody listens)."""
        self.app.load_plugins()
        return bool(self.app.host.pm.hook.workflow_event.get_hookimpls())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} run={self.run_id} {self.status.value}>"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, AutobyteusError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _checked(result: object) -> StepResult:
    """``result`` if it is a final, JSON-ready :class:`StepResult`; a failure otherwise."""
    if not isinstance(result, StepResult):
        return StepResult(
            status=WorkflowStatus.FAILED,
            error=f"the step returned {type(result).__name__}, not a StepResult",
        )
    if not result.status.is_final:
        return StepResult(
            status=WorkflowStatus.FAILED,
            error=f"the step returned the non-final status '{result.status.value}'",
        )
    try:
        to_json(result.output)
    except Exception as exc:
        return StepResult(
            status=WorkflowStatus.FAILED, error=f"the step's output is not JSON-ready: {exc}"
        )
    return result
