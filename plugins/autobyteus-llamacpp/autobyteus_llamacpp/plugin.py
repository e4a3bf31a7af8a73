"""The entry point module: registers the ``llamacpp`` provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autobyteus_core import hookimpl

if TYPE_CHECKING:
    from autobyteus_core.llm.llm_provider import LLMProvider

AUTOBYTEUS_PLUGIN_API = ">=1,<2"


@hookimpl
def register_llm_providers(register: Callable[[LLMProvider], None]) -> None:
    """Register the ``llamacpp`` provider (llama-cpp-python is imported only when a model runs)."""
    from autobyteus_llamacpp.llamacpp_provider import LlamaCppProvider

    register(LlamaCppProvider())
