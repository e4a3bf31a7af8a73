"""The module paths of plugin API 1.x still import, as the modules that hold their names now."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

# Every name the 1.x modules exported, by old path: the contract the aliases keep.
OLD_PATHS = {
    "autobyteus_core.workflow.budget": ["BUDGET_HELP", "Budget"],
    "autobyteus_core.workflow.composition": [
        "StepSpec",
        "compose_definition",
        "unknown_step_name",
    ],
    "autobyteus_core.workflow.config_files": [
        "FORMATS",
        "check_step_names",
        "dumps_workflow",
        "find_workflow",
        "load_workflow_file",
        "loads_workflow",
        "save_workflow_file",
    ],
    "autobyteus_core.workflow.editable_output": ["EditableOutput"],
    "autobyteus_core.workflow.llm_exchange": ["LLMExchange"],
    "autobyteus_core.workflow.run_recorder": ["RunRecorder"],
    "autobyteus_core.workflow.run_state": ["RUN_FORMAT", "RunState", "step_paths"],
    "autobyteus_core.workflow.run_store": [
        "CONTROL_DIR",
        "STATE_FILE",
        "TRANSCRIPT_FILE",
        "RunStore",
    ],
    "autobyteus_core.workflow.step_record": ["StepRecord"],
    "autobyteus_core.workflow.step_result": ["StepResult"],
    "autobyteus_core.workflow.workflow_context": ["WorkflowContext"],
    "autobyteus_core.workflow.workflow_state": [
        "FORMER_FIELDS",
        "StepOutputs",
        "TestsOutcome",
        "WorkflowState",
    ],
    "autobyteus_core.testing.scripted_provider": [
        "ENV_DELAY",
        "ENV_LOG",
        "FileScriptedLLM",
        "ScriptedFileProvider",
    ],
}


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_an_old_path_imports_its_names_as_the_same_objects(old: str) -> None:
    module = importlib.import_module(old)
    package, _, name = old.rpartition(".")
    moved = importlib.import_module(package).MOVED_MODULES
    assert module is importlib.import_module(f"{package}.{moved[name]}")
    for attribute in OLD_PATHS[old]:
        assert hasattr(module, attribute), f"{old} lost {attribute}"


def test_every_alias_is_in_the_contract() -> None:
    import autobyteus_core.testing
    import autobyteus_core.workflow

    declared = {
        f"{package.__name__}.{old}"
        for package in (autobyteus_core.workflow, autobyteus_core.testing)
        for old in package.MOVED_MODULES
    }
    assert declared == set(OLD_PATHS)


def test_an_old_path_imports_in_a_fresh_interpreter() -> None:
    code = (
        "from autobyteus_core.workflow.run_state import RunState\n"
        "from autobyteus_core.workflow.run_record import RunState as new\n"
        "import autobyteus_core.workflow.workflow_context as old\n"
        "assert RunState is new and old.WorkflowContext is not None\n"
        "print(old.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "autobyteus_core.workflow.step_context"


def test_a_path_that_never_existed_still_fails() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("autobyteus_core.workflow.no_such_module")
