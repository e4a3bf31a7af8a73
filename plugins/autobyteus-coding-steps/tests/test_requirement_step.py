"""RequirementStep: the requirement document, re-asks and prompt overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from autobyteus_coding_steps import CodingPlan
from autobyteus_coding_steps.exchange import ReplyRejectedError
from autobyteus_coding_steps.steps.requirement_step import (
    ORIGINAL_HEADING,
    RequirementStep,
    document_reply_tokens,
)
from coding_steps_testkit.harness import MakeContext

from autobyteus_core import AutobyteusSettings, StepFailedError
from autobyteus_core.testing import ScriptedLLM

DOC = """## Background
Count words.

## Functional requirements
1. `count_words(text)` returns a dict.

## Constraints
- Python 3.

## Acceptance criteria
1. `count_words("a a")` is `{"a": 2}`.
"""

REQUIREMENT = "Write a package `wordfreq` with `count_words(text)` returning word counts."


async def test_document_keeps_the_users_words_first(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue(f"```markdown\n{DOC}```")
    context = make_context()
    context.state.requirement = REQUIREMENT
    result = await RequirementStep("requirement").execute(context)
    document = CodingPlan.of(context).requirement_document
    assert document is not None
    assert document.startswith(f"{ORIGINAL_HEADING}\n\n{REQUIREMENT}\n")
    assert "## Acceptance criteria" in document and "```" not in document
    assert context.keys == ["document/attempt-1"]
    prompt = scripted_llm.calls[0].prompt
    assert f"$start$\n{REQUIREMENT}\n$end$" in prompt
    assert scripted_llm.calls[0].messages[0].role == "system"
    assert result.output["attempts"] == 1


async def test_empty_reply_is_re_asked_quoting_the_problem(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue("", DOC)
    context = make_context()
    await RequirementStep("requirement").execute(context)
    assert context.keys == ["document/attempt-1", "document/attempt-2"]
    reask = scripted_llm.calls[1]
    assert reask.messages[-2].role == "assistant"
    assert "the reply is empty" in reask.prompt
    assert "four Markdown sections" in reask.prompt


async def test_a_document_that_repeats_itself_is_cut_at_four_times_the_requirement(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    runaway = DOC.replace(
        "## Acceptance criteria", "## Acceptance criteria\n" + "1. It works.\n" * 900
    )
    scripted_llm.queue(runaway, DOC)
    context = make_context()
    context.state.requirement = REQUIREMENT
    await RequirementStep("requirement").execute(context)
    assert (
        CodingPlan.of(context).requirement_document
        == f"{ORIGINAL_HEADING}\n\n{REQUIREMENT}\n\n{DOC}"
    )
    first, second = scripted_llm.calls
    # A short requirement still gets 512 tokens; the runaway reply stops there, not at 2,700.
    assert first.options == {"max_tokens": 512} and len((first.reply or "").split()) == 512
    assert "cut off at the length limit" in second.prompt
    long_requirement = REQUIREMENT + " " + "More detail." * 250  # 3,075 characters
    assert document_reply_tokens(long_requirement) == 3_072


async def test_gives_up_with_a_parse_report(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue("", " ", "\n")
    context = make_context()
    with pytest.raises(ReplyRejectedError) as caught:
        await RequirementStep("requirement").execute(context)
    assert isinstance(caught.value, StepFailedError)
    message = str(caught.value)
    assert "after 3 attempt(s)" in message
    assert message.count("the reply is empty") == 3
    assert "transcript" in message


async def test_refinement_can_be_switched_off(make_context: MakeContext) -> None:
    context = make_context()
    context.state.requirement = REQUIREMENT
    result = await RequirementStep("requirement", {"refine_requirement": False}).execute(context)
    assert context.keys == []
    assert CodingPlan.of(context).requirement_document == f"{ORIGINAL_HEADING}\n\n{REQUIREMENT}\n"
    assert result.output == {"refined": False}


async def test_no_requirement_fails_before_calling(make_context: MakeContext) -> None:
    context = make_context()
    context.state.requirement = "  "
    with pytest.raises(StepFailedError, match="no requirement"):
        await RequirementStep("requirement").execute(context)
    assert context.keys == []


async def test_a_users_prompt_file_replaces_the_shipped_one(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    (workspace / "my_prompt.j2").write_text("MINE: {{ requirement | upper }}", encoding="utf-8")
    settings = AutobyteusSettings.load(
        workspace, prompts={"requirement": {"requirement": "my_prompt.j2"}}
    )
    scripted_llm.queue(DOC)
    context = make_context(settings=settings)
    context.state.requirement = "count words"
    await RequirementStep("requirement").execute(context)
    assert scripted_llm.calls[0].prompt == "MINE: COUNT WORDS\n"


async def test_options_are_validated(make_context: MakeContext) -> None:
    from autobyteus_core import ConfigurationError

    with pytest.raises(ConfigurationError, match="max_attempts"):
        await RequirementStep("requirement", {"max_attempts": 0}).execute(make_context())
    with pytest.raises(ConfigurationError, match="no_such_option"):
        await RequirementStep("requirement", {"no_such_option": 1}).execute(make_context())
