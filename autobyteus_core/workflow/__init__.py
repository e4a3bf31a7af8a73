"""The workflow engine, one module per role.

The step contract is :mod:`.base_step` (what a step is) and :mod:`.step_context` (what it sees
and returns); :mod:`.workflow` is the engine, :mod:`.call_ledger` the gateway of every LLM call
with its budget, :mod:`.run_record` what a run remembers and :mod:`.run_journal` the one writer
of the run folder; :mod:`.run_git` keeps a run's work in git. Definitions are
:mod:`.steps_template_config`, loaded by :mod:`.loading`; :mod:`.config` is the default one.
The other modules of this package are plugin API 1.x aliases of these.
"""
