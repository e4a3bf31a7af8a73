"""``requirement``: the user's requirement as a structured requirement document."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, ClassVar

from autobyteus_coding_steps.outputs import CodingPlan
from autobyteus_coding_steps.parsing.requirement_document import parse_requirement_document
from autobyteus_coding_steps.parsing.requirement_interface import requirement_interface
from autobyteus_coding_steps.prompting import resource
from autobyteus_coding_steps.steps.coding_step import CodingStep
from autobyteus_core import (
    PromptTemplateVariable,
    StepFailedError,
    StepResult,
    VariableSource,
    estimate_tokens,
)

if TYPE_CHECKING:
    from autobyteus_core import WorkflowContext

ORIGINAL_HEADING = "## Original requirement (the source of truth)"
#: The fewest tokens a requirement document's reply is allowed, however short the requirement.
MIN_DOCUMENT_TOKENS = 512


def document_reply_tokens(requirement: str) -> int:
    """The longest reply for the document of ``requirement``: four times its size, at least
    :data:`MIN_DOCUMENT_TOKENS`."""
    # Restated in four sections, a requirement takes about twice its size (projects' romans on
    # 2026-12-04: 464 tokens for a 183-token requirement); the first reply had repeated itself
    # to the provider's 2,048-token limit, two minutes of writing for a reply that was re-asked.
    return max(MIN_DOCUMENT_TOKENS, 4 * estimate_tokens(requirement))


def compose_document(requirement: str, structured: str | None) -> str:
    """The requirement document: the user's words verbatim first, then the structured version."""
    parts = [ORIGINAL_HEADING, "", requirement.strip()]
    if structured:
        parts += ["", structured.strip()]
    return "\n".join(parts) + "\n"


class RequirementStep(CodingStep):
    """Turns the user's requirement into a document with background, functional requirements,
    constraints and acceptance criteria. The user's words are kept verbatim at the top of the
    document as its source of truth; with ``refine_requirement = false`` they are the whole
    document and no LLM call is made."""

    name = "requirement"
    description = "Turn the user's requirement into a structured requirement document"
    prompt_templates: ClassVar[dict[str, str]] = {
        **CodingStep.prompt_templates,
        "requirement": resource("requirement.j2"),
    }
    prompt_variables: ClassVar[dict[str, tuple[PromptTemplateVariable, ...]]] = {
        "requirement": (
            PromptTemplateVariable(
                "requirement",
                source=VariableSource.USER_INPUT,
                description="the user's requirement, as typed",
            ),
            PromptTemplateVariable("project_type", description="the workspace's project type"),
            PromptTemplateVariable("repo_map", description="the existing project's map, or empty"),
        )
    }

    async def execute(self, context: WorkflowContext) -> StepResult:
        """Write the plan's ``requirement_document``."""
        requirement = context.state.requirement.strip()
        if not requirement:
            raise StepFailedError("no requirement was given: there is nothing to build")
        options = self.settings_for(context)
        single = requirement_interface(requirement).single_file
        if not options.refine_requirement or single is not None:
            # A one-file requirement is refined into many times its length (every later prompt
            # repeats it), with acceptance criteria the model invents.
            why = f" (it names one file, `{single}`)" if options.refine_requirement else ""
            CodingPlan.of(context).requirement_document = compose_document(requirement, None)
            return StepResult(summary=f"requirement used as given{why}", output={"refined": False})
        messages = self.messages(
            context,
            "requirement",
            {
                "requirement": requirement,
                "project_type": context.workspace.project_type or "software",
                "repo_map": self.project_map(context, options).render(
                    requirement, options.repo_map_tokens
                ),
            },
        )
        answer = await self.ask(
            context,
            messages,
            key="document",
            parse=partial(parse_requirement_document, max_chars=options.max_reply_chars),
            what="the requirement document",
            instruction="Reply again with the requirement document: the four Markdown sections "
            "and nothing else.",
            options={"max_tokens": document_reply_tokens(requirement)},
        )
        CodingPlan.of(context).requirement_document = compose_document(requirement, answer.value)
        return StepResult(
            summary=f"requirement document written ({len(answer.value.splitlines())} lines)",
            output={
                "refined": True,
                "attempts": answer.attempts,
                "notes": [note.describe() for note in answer.notes],
            },
        )
