"""The entry point of the autobyteus-openai plugin (``autobyteus`` group, name ``openai``).

Imports nothing heavy: the provider module loads when the provider is first used (listing
plugins does not), and the ``openai`` package only when a model is first used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autobyteus_core import Deferred, hookimpl

if TYPE_CHECKING:
    from autobyteus_core import LLMProvider

AUTOBYTEUS_PLUGIN_API = ">=1.1,<2"


@hookimpl
def register_llm_providers(register: Callable[[LLMProvider | Deferred], None]) -> None:
    """Register the ``openai`` provider (its module is imported when it is first used)."""
    register(Deferred("openai", "autobyteus_openai.openai_provider:OpenAIProvider"))
