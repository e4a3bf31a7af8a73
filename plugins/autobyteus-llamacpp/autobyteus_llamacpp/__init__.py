"""autobyteus plugin: local GGUF models run in-process with llama-cpp-python (``llamacpp:<name>``
or ``llamacpp:<path.gguf>``; the models and settings are in docs/models.md).

Nothing here imports ``llama_cpp`` at module level: it is imported when a model is first used.
"""

from __future__ import annotations

__version__ = "0.1.0"

#: The plugin API range this plugin is written for.
AUTOBYTEUS_PLUGIN_API = ">=1,<2"
