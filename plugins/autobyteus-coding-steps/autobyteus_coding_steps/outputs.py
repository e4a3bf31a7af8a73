"""What the coding steps keep in a run's state: the plan (``CodingPlan``) and the tests
(``CodingTests``), each under its namespace of ``state.outputs``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from autobyteus_core import StepOutputs, TestsOutcome

if TYPE_CHECKING:
    from autobyteus_core import WorkflowContext


class Subtask(BaseModel):
    """A parsed ``#task start#`` … ``#task end#`` block."""

    number: int
    title: str = ""
    objective: str = ""
    files: list[str] = Field(default_factory=list)
    functionality: str = ""
    integration_points: str = ""
    depends_on: list[int] = Field(default_factory=list)
    raw: str = ""

    @property
    def id(self) -> str:
        """A stable id such as ``task-3``, used in call keys and events."""
        return f"task-{self.number}"


class CodingPlan(StepOutputs):
    """The requirement document (by ``requirement``), the design and its ordered subtasks (by
    ``architecture_design``)."""

    namespace = "coding_plan"
    state_aliases = ("requirement_document", "design_document", "subtasks")

    requirement_document: str | None = None
    design_document: str | None = None
    subtasks: list[Subtask] = Field(default_factory=list)

    @classmethod
    def of(cls, context: WorkflowContext) -> CodingPlan:
        """The run's plan, to read and change in place."""
        return context.state.output(cls)

    def document(self, context: WorkflowContext) -> str:
        """The requirement document, or the requirement as given when there is none."""
        return self.requirement_document or context.state.requirement


class CodingTests(StepOutputs):
    """The test files (by ``test_generation``) and every test round (by ``run_tests``)."""

    namespace = "coding_tests"
    state_aliases = ("test_files", "test_results", "tests_not_run", "regressions")

    test_files: list[str] = Field(default_factory=list)
    test_results: list[dict[str, Any]] = Field(default_factory=list)
    #: Why the tests never ran (no test command for the workspace type...); None when they ran.
    tests_not_run: str | None = None
    #: The tests that passed before the run changed anything and fail in the last test run.
    regressions: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, context: WorkflowContext) -> CodingTests:
        """The run's tests, to read and change in place."""
        return context.state.output(cls)

    def outcome(self) -> TestsOutcome:
        """What the core reports of these tests (``runs --json``, the batch's results)."""
        last = self.test_results[-1] if self.test_results else {}
        return TestsOutcome(
            not_run=self.tests_not_run,
            runs=len(self.test_results),
            passed=last.get("passed"),
            counts=last.get("counts"),
            regressions=list(self.regressions),
        )
