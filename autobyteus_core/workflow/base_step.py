"""The step contract: :class:`BaseStep`, the base class of every workflow step, and
:class:`EditableOutput`, what a step declares to keep its output as an editable document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from autobyteus_core.workflow.run_record import StepRecord, WorkflowState
    from autobyteus_core.workflow.step_context import StepContext, StepResult


@dataclass(frozen=True)
class EditableOutput:
    """A document of a step's output, kept in the run folder as ``file`` (e.g. ``plan.md``).

    ``what`` names it in messages (``plan``); ``proceed`` is the word for going on with it in
    ``autobyteus run --interactive`` (``implement``). The step renders the document with
    :meth:`BaseStep.output_document` and reads an edited copy back with
    :meth:`BaseStep.edit_output`.
    """

    file: str
    what: str = "output"
    proceed: str = "continue"

    def __post_init__(self) -> None:
        if "/" in self.file or "\\" in self.file or self.file.startswith(".") or not self.file:
            raise ValueError(f"an editable output's file is a plain file name, got {self.file!r}")


@dataclass(frozen=True)
class OutputTable:
    """A table ``autobyteus show`` prints. Cells are shown as plain text: no markup is read."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class OutputView:
    """How a step's outputs show: ``tables`` for ``autobyteus show``, ``json`` keys added to
    ``autobyteus show --json`` (a key the core or an earlier step already gave is left out)."""

    tables: tuple[OutputTable, ...] = ()
    json: Mapping[str, Any] = field(default_factory=dict)


class BaseStep:
    """A unit of a workflow. Subclasses set ``name`` and ``description`` and override
    :meth:`execute`.

    ``name`` is the registered name used in workflow configurations. ``prompt_templates`` maps a
    template key to a package resource (``"package.module:prompts/x.j2"``) or template text; the
    user may override any key through settings (``AUTOBYTEUS_PROMPTS__<step>__<key>=path``).
    A step instance is created per run with its id in the workflow, its options and its sub-steps.
    :meth:`check_run` lets a step refuse a run it cannot serve before the run starts.

    A step that sets ``editable`` keeps its output as a document in the run folder (written by
    the engine from :meth:`output_document` when the step succeeds) that people may replace
    through :meth:`edit_output` until a later step starts (``autobyteus plan``).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    prompt_templates: ClassVar[dict[str, str]] = {}
    editable: ClassVar[EditableOutput | None] = None

    def __init__(
        self,
        step_id: str,
        options: dict[str, Any] | None = None,
        sub_steps: dict[str, BaseStep] | None = None,
    ) -> None:
        """Create the step ``step_id`` of a workflow with its ``options`` and ``sub_steps``."""
        self.step_id = step_id
        self.options: dict[str, Any] = dict(options or {})
        self.sub_steps: dict[str, BaseStep] = dict(sub_steps or {})

    def check_run(self, context: StepContext) -> None:
        """Raise an :class:`AutobyteusError` saying why this step
        cannot serve this run (its workspace type, its options), or return.

        The engine asks every step still to run before the run starts, so a run that a later
        step would refuse fails before its first LLM call is paid for, and writes nothing. The
        context is the one :meth:`execute` gets, except that it cannot call the LLM yet; a
        check only reads. The default accepts every run.
        """

    async def execute(self, context: StepContext) -> StepResult:
        """Do the step's work. The default runs the sub-steps in order (a composite step)."""
        return await context.run_sub_steps(self)

    def output_document(self, context: StepContext) -> str:
        """The text of the ``editable`` document, from the state this step left."""
        raise NotImplementedError(f"step {self.name!r} keeps no editable output")

    def edit_output(self, context: StepContext, text: str) -> StepResult:
        """Take an edited copy of the ``editable`` document: update ``context.state`` as
        :meth:`execute` would have and return the step's new result. Raise
        :class:`OutputEditError` saying what to fix, before
        changing anything, when the text is not usable."""
        raise NotImplementedError(f"step {self.name!r} keeps no editable output")

    def render_output(self, state: WorkflowState, record: StepRecord) -> OutputView | None:
        """What ``autobyteus show`` shows of the outputs this step keeps in ``state`` (its
        ``record`` has its status, summary and result); None shows nothing, the default.
        ``show`` builds the step from the run's definition and asks once per step."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.step_id!r} ({self.name})>"
