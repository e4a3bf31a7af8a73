"""The ``openai`` provider: model ids ``openai:<model>``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autobyteus_core import LLMProvider, ModelInfo
from autobyteus_openai.settings import OpenAISettings

if TYPE_CHECKING:
    from autobyteus_core import AutobyteusSettings, LLMIntegration
    from autobyteus_openai.openai_integration import OpenAIIntegration

#: Remote, keyed providers rank above local ones when choosing a default model.
DEFAULT_PRIORITY = 100


class OpenAIProvider(LLMProvider):
    """OpenAI, or any OpenAI-compatible server set with ``base_url`` (vLLM, Ollama, LM Studio,
    llama.cpp's server, hosted compatible services)."""

    name = "openai"
    description = "OpenAI and OpenAI-compatible servers (vLLM, Ollama, LM Studio, llama.cpp)"
    settings_class = OpenAISettings

    def list_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        """The default model and every model with a known price."""
        from autobyteus_openai.prices import price_table

        own = settings.plugin(OpenAISettings)
        table = price_table(own.prices)
        names = sorted({own.default_model, *table})
        models = []
        for name in names:
            price = table.get(name)
            about = f"${price.input:g} / ${price.output:g} per 1M tokens" if price else ""
            models.append(
                ModelInfo(
                    id=f"{self.name}:{name}",
                    description=about or f"via {own.server}",
                    is_default=name == own.default_model and own.configured,
                )
            )
        return models

    async def list_remote_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        """The models the server reports on ``/v1/models``."""
        own = settings.plugin(OpenAISettings)
        integration = self._integration(own.default_model, own)
        try:
            ids = await integration.list_remote_model_ids()
        finally:
            await integration.aclose()
        return [
            ModelInfo(
                id=f"{self.name}:{model}",
                description=f"served by {own.server}",
                is_default=model == own.default_model,
            )
            for model in ids
        ]

    def create(self, model: str, settings: AutobyteusSettings) -> LLMIntegration:
        """An integration for ``model`` (imports the ``openai`` package)."""
        return self._integration(model, settings.plugin(OpenAISettings))

    def default_model(self, settings: AutobyteusSettings) -> str | None:
        """``openai:<default_model>`` when an API key or a base URL is configured."""
        own = settings.plugin(OpenAISettings)
        return f"{self.name}:{own.default_model}" if own.configured else None

    def default_priority(self) -> int:
        """Above local providers."""
        return DEFAULT_PRIORITY

    def _integration(self, model: str, settings: OpenAISettings) -> OpenAIIntegration:
        from autobyteus_openai.openai_integration import OpenAIIntegration

        return OpenAIIntegration(f"{self.name}:{model}", model, settings)
