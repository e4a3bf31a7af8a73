"""CONTRIBUTING.md's workflow files, in TOML and JSON, are the same workflow: the default one's
steps with the summary step first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autobyteus_core import WORKFLOW_CONFIG
from autobyteus_core.workflow.config_files import load_workflow_file


def test_the_toml_and_json_workflow_files_define_the_same_workflow(
    contributing_examples: dict[str, str], tmp_path: Path
) -> None:
    found: list[Any] = []
    for suffix in ("toml", "json"):
        path = tmp_path / f"summary-then-coding.{suffix}"
        path.write_text(contributing_examples[f"workflows/summary-then-coding.{suffix}"])
        found.append(load_workflow_file(path))
    toml, json = found
    assert toml == json
    assert toml.step_names() == ["summary", *WORKFLOW_CONFIG.step_names()]
    assert toml.steps["run_tests"].options == {"fix_rounds": 2}
