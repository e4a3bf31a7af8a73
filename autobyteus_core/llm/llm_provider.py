"""What ``register_llm_providers`` registers: a named factory of LLM integrations."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from autobyteus_core.llm.llm_integration import LLMIntegration
    from autobyteus_core.settings import AutobyteusSettings, PluginSettings


class ModelInfo(BaseModel):
    """A model a provider offers, as ``autobyteus models`` lists it."""

    id: str
    description: str = ""
    is_default: bool = False


class LLMProvider(ABC):
    """A provider owns the model-id prefix ``name:`` and builds integrations on demand.

    Keep construction cheap: import SDKs and load models in :meth:`create` only.
    """

    #: The model-id prefix, e.g. ``"openai"`` for ``openai:gpt-4o-mini``.
    name: str = ""
    description: str = ""
    #: The provider's settings model, if it has one (``autobyteus config show`` lists it).
    settings_class: ClassVar[type[PluginSettings] | None] = None

    @abstractmethod
    def list_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        """The models this provider knows with the given settings (full ``provider:model`` ids)."""

    @abstractmethod
    def create(self, model: str, settings: AutobyteusSettings) -> LLMIntegration:
        """Build an integration for ``model`` (the part after ``name:``)."""

    async def list_remote_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        """The models the provider's server reports (``autobyteus models --remote``).

        The default returns :meth:`list_models`; providers with a server override it.
        """
        return self.list_models(settings)

    def default_model(self, settings: AutobyteusSettings) -> str | None:
        """The full model id to use when the user named none, or None if this provider has no
        usable default with these settings (for example, no API key configured)."""
        return None

    def default_priority(self) -> int:
        """Among providers that offer a default model, the highest priority wins (remote, keyed
        providers should rank above local ones)."""
        return 0
