"""The entry point module: registers the ``llamacpp`` provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autobyteus_core import Deferred, hookimpl

if TYPE_CHECKING:
    from autobyteus_core import LLMProvider

AUTOBYTEUS_PLUGIN_API = ">=1.1,<2"


@hookimpl
def register_llm_providers(register: Callable[[LLMProvider | Deferred], None]) -> None:
    """Register the ``llamacpp`` provider: its module is imported when it is first used, and
    llama-cpp-python only when a model runs."""
    register(Deferred("llamacpp", "autobyteus_llamacpp.llamacpp_provider:LlamaCppProvider"))
