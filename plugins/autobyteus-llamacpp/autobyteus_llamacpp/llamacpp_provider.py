"""The ``llamacpp`` provider: known models by name, or any GGUF file by path."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from autobyteus_core import (
    AutobyteusSettings,
    LLMIntegration,
    LLMProvider,
    ModelInfo,
    ModelNotFoundError,
)
from autobyteus_llamacpp.catalog import DEFAULT_MODEL, KNOWN_MODELS, KnownModel
from autobyteus_llamacpp.errors import ModelLoadError
from autobyteus_llamacpp.model_cache import SHARED_MODELS, ModelCache
from autobyteus_llamacpp.model_file import ensure_file
from autobyteus_llamacpp.settings import LlamaCppSettings

#: Below any provider whose default needs configuring (an API key): a local model is the
#: fallback used when nothing else is configured.
DEFAULT_PRIORITY = -100


def llama_cpp_installed() -> bool:
    """Whether llama-cpp-python can be imported (checked without importing it)."""
    return importlib.util.find_spec("llama_cpp") is not None


class LlamaCppProvider(LLMProvider):
    """Provider ``llamacpp``: ``llamacpp:qwen2.5-coder-1.5b``, ``llamacpp:gemma3-270m``, or
    ``llamacpp:<path-to-model.gguf>``."""

    name = "llamacpp"
    description = "Local GGUF models in-process with llama-cpp-python (offline)"
    settings_class = LlamaCppSettings

    def __init__(
        self, models: ModelCache | None = None, catalog: dict[str, KnownModel] | None = None
    ) -> None:
        """``models`` defaults to the process-wide cache, so each model loads once; ``catalog``
        (the models known by name) defaults to :data:`KNOWN_MODELS`."""
        self.models = models if models is not None else SHARED_MODELS
        self.catalog = catalog if catalog is not None else KNOWN_MODELS

    def list_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        """The known models (marking those whose packages are missing) and the path form."""
        models = []
        for known in self.catalog.values():
            note = "" if known.installed() else f" [not installed: {known.install_hint}]"
            models.append(
                ModelInfo(
                    id=known.model_id,
                    description=known.description + note,
                    is_default=known is DEFAULT_MODEL,
                )
            )
        models.append(
            ModelInfo(id="llamacpp:<path-to-model.gguf>", description="any local GGUF file")
        )
        return models

    def default_model(self, settings: AutobyteusSettings) -> str | None:
        """``llamacpp:qwen2.5-coder-1.5b`` when llama-cpp-python and its parts are installed."""
        if llama_cpp_installed() and DEFAULT_MODEL.installed():
            return DEFAULT_MODEL.model_id
        return None

    def default_priority(self) -> int:
        """Lower than keyed remote providers."""
        return DEFAULT_PRIORITY

    def create(self, model: str, settings: AutobyteusSettings) -> LLMIntegration:
        """An integration for a known model name or a GGUF path. Cheap: the file is assembled,
        verified and loaded on the first call."""
        from autobyteus_llamacpp.llamacpp_llm import LlamaCppLLM

        if not llama_cpp_installed():
            raise ModelLoadError(
                f"llamacpp:{model} needs llama-cpp-python, which is not installed: "
                "pip install autobyteus-llamacpp (or pip install llama-cpp-python)"
            )
        plugin_settings = settings.plugin(LlamaCppSettings)
        known = self.catalog.get(model)
        if known is not None:
            if not known.installed():
                raise ModelNotFoundError(
                    f"model llamacpp:{model} is not installed; {known.install_hint}"
                )
            target = plugin_settings.resolved_cache_dir() / known.filename
            return LlamaCppLLM(
                f"llamacpp:{model}",
                known.name,
                lambda: _verified(known, target),
                plugin_settings,
                self.models,
                fallback_chat_template=known.chat_template,
            )
        path = Path(model).expanduser()
        if not path.is_file():
            names = ", ".join(f"llamacpp:{n}" for n in self.catalog)
            raise ModelNotFoundError(
                f"no llamacpp model {model!r}: use one of {names} or llamacpp:<path-to-model.gguf>"
                f" (no file at {path})"
            )
        resolved = path.resolve()
        return LlamaCppLLM(
            f"llamacpp:{model}", str(resolved), lambda: resolved, plugin_settings, self.models
        )


def _verified(known: KnownModel, target: Path) -> Path:
    """The cached model file, assembled from its pieces if needed and checked against its
    SHA-256."""
    return ensure_file(target, known.sha256, known.pieces())
