"""The errors of the llamacpp provider, on top of the core's typed LLM errors."""

from __future__ import annotations

from autobyteus_core import LLMError


class ModelChecksumError(LLMError):
    """A model file's SHA-256 is not the published one: the file is refused, never loaded."""


class ModelLoadError(LLMError):
    """llama.cpp is missing or could not load the model file."""
