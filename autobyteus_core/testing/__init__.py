"""The testing kit for autobyteus and its plugins: a scripted LLM, fixtures and virtualenvs.

Installed as the ``pytest11`` plugin ``autobyteus``, so every test run in an environment with
autobyteus-core gets the fixtures of ``autobyteus_core.testing.pytest_plugin``. Names are
imported on first access: this package is loaded by every pytest run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autobyteus_core.lazy_exports import lazy_exports, module_aliases

_LAZY = {
    "CALLS": "autobyteus_core.testing.batch_kit",
    "CALLS_PER_ITEM": "autobyteus_core.testing.batch_kit",
    "RecordedCall": "autobyteus_core.testing.scripted_llm",
    "RegisterPlugin": "autobyteus_core.testing.pytest_plugin",
    "ScriptedBatch": "autobyteus_core.testing.batch_kit",
    "ScriptedLLM": "autobyteus_core.testing.scripted_llm",
    "Venv": "autobyteus_core.testing.venv",
    "make_batch": "autobyteus_core.testing.batch_kit",
    "write_plugin_folder": "autobyteus_core.testing.plugin_folder",
}
__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
#: Plugin API 1.x module paths (old name -> the module that holds its names now).
MOVED_MODULES = {"scripted_provider": "replies_file"}
module_aliases(__name__, MOVED_MODULES)

if TYPE_CHECKING:
    from autobyteus_core.testing.batch_kit import (
        CALLS as CALLS,
        CALLS_PER_ITEM as CALLS_PER_ITEM,
        ScriptedBatch as ScriptedBatch,
        make_batch as make_batch,
    )
    from autobyteus_core.testing.plugin_folder import (
        write_plugin_folder as write_plugin_folder,
    )
    from autobyteus_core.testing.pytest_plugin import (
        RegisterPlugin as RegisterPlugin,
    )
    from autobyteus_core.testing.scripted_llm import (
        RecordedCall as RecordedCall,
        ScriptedLLM as ScriptedLLM,
    )
    from autobyteus_core.testing.venv import (
        Venv as Venv,
    )
