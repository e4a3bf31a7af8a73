"""A step's options: its own over the plugin settings, built again whenever either changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from autobyteus_coding_steps.steps.requirement_step import RequirementStep
from coding_steps_testkit.harness import MakeContext

from autobyteus_core import AutobyteusSettings, ConfigurationError


def test_the_steps_own_options_win_and_a_change_to_them_is_seen(
    make_context: MakeContext,
) -> None:
    context = make_context()
    step = RequirementStep("requirement", {"max_attempts": 2})
    assert step.settings_for(context).max_attempts == 2
    assert step.settings_for(context) is step.settings_for(context)  # built once
    step.options["max_attempts"] = 5
    assert step.settings_for(context).max_attempts == 5
    step.options["max_attempts"] = 0
    with pytest.raises(ConfigurationError, match="max_attempts"):
        step.settings_for(context)


def test_other_settings_give_other_options(make_context: MakeContext, tmp_path: Path) -> None:
    (tmp_path / "autobyteus.toml").write_text("[coding_steps]\nmax_attempts = 4\n", "utf-8")
    step = RequirementStep("requirement")
    plain = make_context()
    assert step.settings_for(plain).max_attempts == 3
    configured = make_context(settings=AutobyteusSettings.load(tmp_path))
    assert step.settings_for(configured).max_attempts == 4
    assert step.settings_for(plain).max_attempts == 3
