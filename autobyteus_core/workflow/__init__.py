"""The workflow engine, one module per role.

The step contract is :mod:`.base_step` (what a step is) and :mod:`.step_context` (what it sees
and returns); :mod:`.workflow` is the engine, :mod:`.call_ledger` the gateway of every LLM call
with its budget, :mod:`.run_record` what a run remembers and :mod:`.run_journal` the one writer
of the run folder; :mod:`.run_git` keeps a run's work in git. Definitions are
:mod:`.steps_template_config`, loaded by :mod:`.loading`; :mod:`.config` is the default one.
"""

from autobyteus_core.lazy_exports import module_aliases

#: Plugin API 1.x module paths (old name -> the module that holds its names now).
MOVED_MODULES = {
    "budget": "call_ledger",
    "composition": "loading",
    "config_files": "loading",
    "editable_output": "base_step",
    "llm_exchange": "run_record",
    "run_recorder": "run_journal",
    "run_state": "run_record",
    "run_store": "run_journal",
    "step_record": "run_record",
    "step_result": "step_context",
    "workflow_context": "step_context",
    "workflow_state": "run_record",
}
module_aliases(__name__, MOVED_MODULES)
