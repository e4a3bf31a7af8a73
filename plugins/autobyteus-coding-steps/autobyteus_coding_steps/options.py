"""The plugin's settings, and each step's options resolved against them.

Every option can be set for all steps in settings (``AUTOBYTEUS_CODING_STEPS__FIX_ROUNDS=5``,
``[coding_steps]`` in ``autobyteus.toml``) and overridden for one step in the workflow
configuration (``options = {fix_rounds = 5}``). An unknown or ill-typed option is a
configuration error that names it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from autobyteus_core import (
    ConfigurationError,
    PluginSettings,
    estimate_tokens,
    validation_problems,
)

if TYPE_CHECKING:
    from autobyteus_core import BaseStep, WorkflowContext


class StepOptions(BaseModel):
    """Options of the coding steps (each step reads the ones it needs)."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(
        3, ge=1, le=10, description="LLM attempts per reply: the first ask plus re-asks"
    )
    max_reply_chars: int = Field(
        200_000, ge=1_000, description="longest reply a parser reads; longer ones are re-asked"
    )
    max_prompt_file_chars: int = Field(
        12_000, ge=500, description="characters of other files shown in one prompt"
    )
    # 1024: an eighth of the local model's 8192-token context, room for the outline of about
    # fifteen modules; the most relevant come first, so a larger project loses only the tail.
    repo_map_tokens: int = Field(
        1_024,
        ge=0,
        description="tokens of the existing project's map (its modules' classes and functions, "
        "the most relevant first) in the requirement, plan and implementation prompts; 0: none",
    )
    refine_requirement: bool = Field(
        True, description="ask the LLM for a structured requirement document (else: verbatim)"
    )
    max_subtasks: int = Field(12, ge=1, description="most subtasks a plan may have")
    merge_same_file_subtasks: bool = Field(
        True, description="implement consecutive subtasks planned for one file in one reply"
    )
    edit_blocks_above_chars: int = Field(
        4_000,
        ge=0,
        description="existing files longer than this are changed by search/replace edit blocks "
        "(the implementation and fix prompts); shorter ones are rewritten whole",
    )
    edit_similarity: float = Field(
        0.9, gt=0.5, le=1.0, description="similarity an edit block's inexact match needs"
    )
    generate_tests: bool = Field(True, description="whether test_generation writes tests")
    example_tests: bool = Field(
        True,
        description="write the examples the requirement states (`f(1)` is `2`, doctest "
        "sessions) as a test file that fixes may not change",
    )
    tests_beyond_examples: bool = Field(
        False,
        description="also ask the LLM for tests of a module whose every function the "
        "requirement names has a stated example",
    )
    # 1024: a test file of a few short tests takes 300-700 tokens; a small model that repeats
    # one assert until the limit is stopped sooner, and the tests it wrote whole are kept.
    test_reply_tokens: int = Field(
        1_024,
        ge=0,
        description="longest reply for a test file, in tokens (0: the provider's own limit); "
        "a reply cut off there keeps the tests it wrote whole",
    )
    fix_rounds: int = Field(3, ge=0, le=20, description="rounds of fixes after failing tests")
    # 1: on the 27 HumanEval problems whose workflow had reached the fix loop (2026-12-04,
    # Qwen2.5-Coder-1.5B), one round passed as many (5) as three, for 39% fewer tokens; over 39
    # runs with three rounds, the loop turned one failure into a pass.
    one_file_fix_rounds: int = Field(
        1,
        ge=0,
        le=20,
        description="most rounds of fixes for a one-file requirement (fix_rounds, if fewer)",
    )
    max_fix_files: int = Field(4, ge=1, description="files sent for fixing in one round")
    max_value_checks: int = Field(
        12, ge=0, description="failed `assert f(x) == value` lines the LLM may judge in a run"
    )
    # 384: of 41 verdicts on HumanEval/81-97 (2026-12-03) 40 took 1-226 tokens of reasoning; one
    # ran to the 2,048 limit, and the re-ask that a reply without a verdict gets answered in one.
    verdict_reply_tokens: int = Field(
        384,
        ge=0,
        description="longest reply for one code-or-test verdict, in tokens (0: the provider's "
        "own limit); a reply cut off there without a verdict is asked again",
    )
    test_timeout_s: float = Field(300.0, gt=0, description="timeout of one test run")
    import_check_timeout_s: float = Field(60.0, gt=0, description="timeout of the import check")
    max_output_chars: int = Field(
        40_000, ge=1_000, description="captured test output kept (head and tail)"
    )
    failure_prompt_chars: int = Field(
        4_000, ge=500, description="characters of failure output shown to the LLM"
    )


class CodingStepsSettings(PluginSettings, StepOptions):
    """The ``coding_steps`` settings namespace: defaults for every step's options."""

    namespace = "coding_steps"
    model_config = ConfigDict(extra="ignore")  # type: ignore[assignment]


#: The attribute of a step holding its last options: (plugin settings, step options, result).
_CACHED = "_coding_step_options"


def step_options(step: BaseStep, context: WorkflowContext) -> StepOptions:
    """``step``'s options: its workflow-configuration options over the plugin settings."""
    base = context.settings.plugin(CodingStepsSettings)
    # Asked for on every LLM call: built again only when the settings or the step's own
    # options are not the ones it was built from.
    cached = getattr(step, _CACHED, None)
    if cached is not None and cached[0] is base and cached[1] == step.options:
        options: StepOptions = cached[2]
        return options
    values: dict[str, Any] = base.model_dump(include=set(StepOptions.model_fields))
    values.update(step.options)
    try:
        options = StepOptions.model_validate(values)
    except ValidationError as exc:
        problems = validation_problems(exc)
        raise ConfigurationError(f"invalid options for step '{step.step_id}': {problems}") from exc
    setattr(step, _CACHED, (base, copy.deepcopy(step.options), options))
    return options


def reply_limit_for_tests(options: StepOptions, current: str | None = None) -> dict[str, Any]:
    """The call options of a reply that is a whole test file: at most ``test_reply_tokens``,
    or the size of the file it replaces (``current``, when a fix rewrites one) and a quarter
    more, so a model repeating one test stops sooner; none when ``test_reply_tokens`` is 0."""
    if not options.test_reply_tokens:
        return {}
    # A fix corrects values, names and imports: it needs about the file's size. Twice the size
    # let a runaway file grow in every round (HumanEval/149: 1,024, 1,546, then 2,316 tokens).
    needed = estimate_tokens(current) * 5 // 4 if current is not None else 0
    return {"max_tokens": max(options.test_reply_tokens, needed)}
