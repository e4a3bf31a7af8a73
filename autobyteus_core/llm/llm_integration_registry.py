"""Resolves ``provider:model`` ids to ready :class:`LLMIntegration` objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autobyteus_core.deferred import Deferred
from autobyteus_core.errors import AutobyteusError, ConfigurationError, one_line
from autobyteus_core.registry import DIRECT_ORIGIN, PluginOrigin, Registry, instance_name

if TYPE_CHECKING:
    from autobyteus_core.llm.llm_integration import LLMIntegration
    from autobyteus_core.llm.llm_provider import LLMProvider, ModelInfo
    from autobyteus_core.settings import AutobyteusSettings

NO_MODEL_HELP = (
    "no LLM model is configured and no installed provider offers a default. Pass --model "
    "provider:model, set AUTOBYTEUS_MODEL, or configure a provider: for OpenAI or any "
    "OpenAI-compatible server set OPENAI_API_KEY (and OPENAI_BASE_URL) with the autobyteus-openai "
    "plugin installed; to run offline install the autobyteus-llamacpp plugin. "
    "`autobyteus models` lists what is available."
)


def split_model_id(model_id: str) -> tuple[str, str]:
    """Split ``"provider:model"``; the model part may itself contain colons or a path."""
    from autobyteus_core.llm.errors import ModelNotFoundError

    provider, sep, model = model_id.partition(":")
    if not sep or not provider or not model:
        raise ModelNotFoundError(
            f"model id {model_id!r} is not of the form provider:model (e.g. openai:gpt-4o-mini)"
        )
    return provider, model


class LLMIntegrationRegistry:
    """The registry of LLM providers, which also builds and caches one integration per model id."""

    def __init__(self) -> None:
        """An empty registry; plugins fill it through ``register_llm_providers``."""
        self.providers: Registry[LLMProvider] = Registry(
            "LLM provider",
            instance_name("register_llm_providers", "autobyteus_core.llm.llm_provider:LLMProvider"),
        )
        self._integrations: dict[str, LLMIntegration] = {}

    def register(
        self, provider: LLMProvider | Deferred, origin: PluginOrigin = DIRECT_ORIGIN
    ) -> None:
        """Add a provider under ``provider.name`` (or a :class:`Deferred` one, imported when it
        is first used)."""
        self.providers.register(provider, origin)

    def get(self, model_id: str, settings: AutobyteusSettings) -> LLMIntegration:
        """The integration for ``model_id``, created on first use and reused afterwards."""
        cached = self._integrations.get(model_id)
        if cached is not None:
            return cached
        from autobyteus_core.llm.errors import ModelNotFoundError

        provider_name, model = split_model_id(model_id)
        if provider_name not in self.providers:
            known = ", ".join(self.providers.names()) or "none installed"
            raise ModelNotFoundError(
                f"no LLM provider '{provider_name}' for model id '{model_id}'; providers: {known}"
            )
        registration = self.providers.registration(provider_name)
        try:
            integration = registration.item.create(model, settings)
        except AutobyteusError:
            raise
        except Exception as exc:  # a plugin's bug or missing SDK: one line naming the plugin
            raise ConfigurationError(
                f"LLM provider '{provider_name}' of {registration.origin.describe()} could not "
                f"create model '{model}': {one_line(exc)}"
            ) from exc
        self._integrations[model_id] = integration
        return integration

    def list_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        """Every model every provider knows, sorted by id."""
        models: list[ModelInfo] = []
        for name in self.providers.names():
            models.extend(self.providers.get(name).list_models(settings))
        return sorted(models, key=lambda m: m.id)

    def resolve_model_id(self, settings: AutobyteusSettings, explicit: str | None = None) -> str:
        """The model to use: ``explicit``, else ``settings.model``, else the default of the
        highest-priority provider that offers one; otherwise a :class:`ConfigurationError`
        that says how to configure a model."""
        if explicit:
            return explicit
        if settings.model:
            return settings.model
        candidates: list[tuple[int, str]] = []
        for registration in self.providers.registrations():
            default = registration.item.default_model(settings)
            if default:
                candidates.append((registration.item.default_priority(), default))
        if not candidates:
            raise ConfigurationError(NO_MODEL_HELP)
        return max(candidates)[1]

    async def aclose(self) -> None:
        """Close every integration created so far."""
        integrations, self._integrations = list(self._integrations.values()), {}
        for integration in integrations:
            await integration.aclose()
