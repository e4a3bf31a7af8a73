"""The plugin as installed: discovered through its entry point, registering the five steps and
the default workflow, and light to load."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from autobyteus_coding_steps.plugin import step_classes

from autobyteus_core import WORKFLOW_CONFIG, Application

STEP_NAMES = [
    "requirement",
    "architecture_design",
    "implementation",
    "test_generation",
    "run_tests",
]


def test_entry_point_discovery_registers_steps_and_workflow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTOBYTEUS_LOAD_PLUGINS", "autobyteus-coding-steps")
    app = Application()
    assert sorted(app.steps.names()) == sorted(STEP_NAMES)
    origin = app.steps.registration("implementation").origin
    assert origin.distribution == "autobyteus-coding-steps"
    assert app.workflows.get("automated_coding") == WORKFLOW_CONFIG
    assert WORKFLOW_CONFIG.step_names() == STEP_NAMES
    app.load_everything()  # every import path leads to the step of that name (strict mode)
    assert [app.steps.get(name).name for name in STEP_NAMES] == STEP_NAMES


def test_step_classes_match_the_workflow_and_ship_their_prompts() -> None:
    from autobyteus_coding_steps.prompting import load_prompt

    from autobyteus_core import AutobyteusSettings

    settings = AutobyteusSettings.load(None)
    assert [cls.name for cls in step_classes()] == STEP_NAMES
    for cls in step_classes():
        step = cls(cls.name)
        assert cls.description
        for key in cls.prompt_templates:
            template = load_prompt(step, key, settings)
            template.compile()
            assert template.origin and template.origin.startswith("autobyteus_coding_steps:")


def test_loading_the_plugin_imports_no_step_and_no_jinja() -> None:
    code = (
        "import json, sys\n"
        "import autobyteus_coding_steps.plugin\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('autobyteus_coding', 'jinja2')))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout) == ["autobyteus_coding_steps", "autobyteus_coding_steps.plugin"]
