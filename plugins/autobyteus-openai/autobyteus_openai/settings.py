"""The ``[openai]`` settings of the plugin.

Sources, highest first: arguments > ``AUTOBYTEUS_OPENAI__<FIELD>`` environment variables > the
workspace ``.env`` > the ``[openai]`` table of ``autobyteus.toml`` (``[tool.autobyteus.openai]``
in ``pyproject.toml``) > the standard OpenAI variables ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` and
``OPENAI_ORG_ID`` (environment, then ``.env``) > defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from autobyteus_core import PluginSettings

#: Where the API key may be set, as error messages tell the user.
API_KEY_HELP = (
    "AUTOBYTEUS_OPENAI__API_KEY or OPENAI_API_KEY (environment or the workspace .env), "
    "or api_key in the [openai] table of autobyteus.toml"
)

#: The standard OpenAI variables honoured below the autobyteus ones: field -> variable names.
STANDARD_VARIABLES: dict[str, tuple[str, ...]] = {
    "api_key": ("OPENAI_API_KEY",),
    "base_url": ("OPENAI_BASE_URL",),
    "organization": ("OPENAI_ORG_ID", "OPENAI_ORGANIZATION"),
}


class ModelPrice(BaseModel):
    """The price of a model in US dollars per million tokens."""

    input: float = Field(ge=0, description="USD per million prompt tokens")
    output: float = Field(ge=0, description="USD per million completion tokens")


class _StandardOpenAIVariables(PydanticBaseSettingsSource):
    """Reads ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` and ``OPENAI_ORG_ID`` from the environment
    (or, with ``dotenv``, from the workspace ``.env``); empty values count as unset."""

    def __init__(self, settings_cls: type[BaseSettings], *, dotenv: bool = False) -> None:
        super().__init__(settings_cls)
        #: How ``autobyteus config show`` names this source, and whether it is a workspace file.
        self.source_label = "OPENAI_* variables in .env" if dotenv else "OPENAI_* variables"
        self.source_in_workspace = dotenv
        self._values: dict[str, str | None] = dict(os.environ)
        if dotenv:
            env_file = settings_cls.model_config.get("env_file")
            self._values = {}
            if isinstance(env_file, (str, Path)) and Path(env_file).is_file():
                from dotenv import dotenv_values

                self._values = dict(dotenv_values(env_file))

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        for name in STANDARD_VARIABLES.get(field_name, ()):
            value = self._values.get(name)
            if value:
                return value, field_name, False
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field_name in STANDARD_VARIABLES:
            value, _, _ = self.get_field_value(None, field_name)
            if value is not None:
                values[field_name] = value
        return values


class OpenAISettings(PluginSettings):
    """Settings of the ``openai`` provider (``AUTOBYTEUS_OPENAI__<FIELD>``, ``[openai]``)."""

    namespace: ClassVar[str] = "openai"

    api_key: SecretStr | None = Field(None, description="API key; OPENAI_API_KEY also honoured")
    base_url: str | None = Field(
        None,
        description="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (vLLM); "
        "OPENAI_BASE_URL also honoured; unset means api.openai.com",
    )
    organization: str | None = Field(None, description="OpenAI organization id")
    default_model: str = Field("gpt-4o-mini", description="model used when none is named")
    timeout: float = Field(120.0, gt=0, description="seconds to wait for one reply")
    # aiohttp: in benchmarks/batch.py (64 items, 16 at once) it spent a quarter to a third less
    # CPU per request than httpx's pool, which probes every idle connection before each request.
    http_transport: Literal["aiohttp", "httpx"] = Field(
        "aiohttp", description="HTTP library the SDK's client sends requests with"
    )
    max_retries: int = Field(3, ge=0, le=20, description="retries on 429, 5xx, network errors")
    retry_base_delay: float = Field(1.0, ge=0, description="first backoff delay, seconds")
    retry_max_delay: float = Field(30.0, ge=0, description="longest backoff delay, seconds")
    max_retry_after: float = Field(
        120.0, ge=0, description="a Retry-After longer than this fails at once instead"
    )
    temperature: float | None = Field(None, ge=0, le=2, description="default temperature")
    max_tokens: int | None = Field(None, ge=1, description="default reply length limit")
    stream_usage: bool = Field(
        True, description="ask for a usage chunk at the end of streams (stream_options)"
    )
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict,
        description="USD per million tokens by model, on top of the built-in table",
    )
    requests_per_minute: float | None = Field(None, gt=0, description="client-side limit")
    tokens_per_minute: float | None = Field(None, gt=0, description="client-side limit")

    @field_validator("base_url", "organization")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if isinstance(value, str) else value

    @field_validator("api_key")
    @classmethod
    def _blank_key_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The core's sources, then the standard ``OPENAI_*`` variables (environment, then
        ``.env``)."""
        sources = super().settings_customise_sources(
            settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        )
        return (
            *sources,
            _StandardOpenAIVariables(settings_cls),
            _StandardOpenAIVariables(settings_cls, dotenv=True),
        )

    @property
    def configured(self) -> bool:
        """Whether a key or a server is configured, so this provider may be the default."""
        return self.api_key is not None or self.base_url is not None

    @property
    def server(self) -> str:
        """The server requests go to, for messages."""
        return self.base_url or "https://api.openai.com/v1"
