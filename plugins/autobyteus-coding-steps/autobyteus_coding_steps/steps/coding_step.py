"""The base of the coding steps: options, prompts and the ask-until-usable loop in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from autobyteus_coding_steps.exchange import Answer, ask
from autobyteus_coding_steps.options import StepOptions, step_options
from autobyteus_coding_steps.prompting import load_prompt, render, resource
from autobyteus_coding_steps.repo_map import ProjectMap, run_project_map
from autobyteus_core import BaseStep

if TYPE_CHECKING:
    from autobyteus_coding_steps.parsing.report import ParseResult
    from autobyteus_core import Message, PromptTemplateVariable, WorkflowContext

T = TypeVar("T")


class CodingStep(BaseStep):
    """A step of the coding workflow. Subclasses add their own templates to
    ``prompt_templates`` (``system`` and ``reask`` are shared) and implement ``execute``."""

    prompt_templates: ClassVar[dict[str, str]] = {
        "system": resource("system.j2"),
        "reask": resource("reask.j2"),
    }
    #: The declared variables of each template key (for documentation and tooling).
    prompt_variables: ClassVar[dict[str, tuple[PromptTemplateVariable, ...]]] = {}

    def settings_for(self, context: WorkflowContext) -> StepOptions:
        """This step's options (workflow configuration over plugin settings)."""
        return step_options(self, context)

    def project_map(self, context: WorkflowContext, options: StepOptions) -> ProjectMap:
        """The workspace's map as the run first saw it; none at all when ``repo_map_tokens`` is 0."""
        return run_project_map(context) if options.repo_map_tokens else ProjectMap()

    def messages(
        self, context: WorkflowContext, key: str, values: Mapping[str, Any]
    ) -> list[Message]:
        """The system message and the user message rendered from the template ``key``."""
        from autobyteus_core import Message

        system = render(self, "system", context.settings, {}).strip()
        user = render(self, key, context.settings, values)
        return [Message.system(system), Message.user(user)] if system else [Message.user(user)]

    async def ask(
        self,
        context: WorkflowContext,
        messages: list[Message],
        *,
        key: str,
        parse: Callable[[str], ParseResult[T]],
        what: str,
        instruction: str,
        applied: Callable[[T], bool] | None = None,
        cut_ok: bool = False,
        options: Mapping[str, Any] | None = None,
    ) -> Answer[T]:
        """Ask until ``parse`` accepts the reply (see :func:`autobyteus_coding_steps.exchange.ask`)."""
        return await ask(
            context,
            messages,
            key=key,
            parse=parse,
            what=what,
            instruction=instruction,
            reask=load_prompt(self, "reask", context.settings),
            max_attempts=self.settings_for(context).max_attempts,
            applied=applied,
            cut_ok=cut_ok,
            options=options,
        )
