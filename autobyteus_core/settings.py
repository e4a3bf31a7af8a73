"""Settings, with pydantic-settings.

Sources, highest first: init arguments > environment (``AUTOBYTEUS_`` prefix, ``__`` for nesting)
> ``.env`` in the workspace > ``autobyteus.toml`` in the workspace (or ``[tool.autobyteus]`` in its
``pyproject.toml``) > defaults.

Each plugin declares its own settings model as a :class:`PluginSettings` subclass with a
``namespace``; its values come from ``AUTOBYTEUS_<NAMESPACE>__<FIELD>`` variables, the
``[<namespace>]`` table of ``autobyteus.toml`` (``[tool.autobyteus.<namespace>]`` in
``pyproject.toml``), and so on, in the same order. Read them with
``settings.plugin(MyPluginSettings)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import Field, PrivateAttr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "AUTOBYTEUS_"
TOML_FILE = "autobyteus.toml"

P = TypeVar("P", bound="PluginSettings")


def _read_toml_table(workspace: Path | None, namespace: str | None) -> dict[str, Any]:
    """The ``[namespace]`` table (or the top level) of the workspace's autobyteus.toml, else of
    ``[tool.autobyteus]`` in its pyproject.toml."""
    if workspace is None:
        return {}
    from autobyteus_core.tomlcompat import tomllib

    own = workspace / TOML_FILE
    pyproject = workspace / "pyproject.toml"
    data: dict[str, Any] = {}
    if own.is_file():
        data = tomllib.loads(own.read_text(encoding="utf-8"))
    elif pyproject.is_file():
        data = (
            tomllib.loads(pyproject.read_text(encoding="utf-8"))
            .get("tool", {})
            .get("autobyteus", {})
        )
    if namespace is None:
        return {k: v for k, v in data.items() if not isinstance(v, dict) or k == "prompts"}
    table = data.get(namespace, {})
    return table if isinstance(table, dict) else {}


class _WorkspaceTomlSource(PydanticBaseSettingsSource):
    """Reads values from the workspace's autobyteus.toml / pyproject.toml."""

    def __init__(self, settings_cls: type[BaseSettings], values: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._values = values

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if k in self.settings_cls.model_fields}


class _LayeredSettings(BaseSettings):
    """Shared source ordering for the core settings and every plugin's settings."""

    _workspace_root: ClassVar[Path | None] = None
    _toml_namespace: ClassVar[str | None] = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = _WorkspaceTomlSource(
            settings_cls, _read_toml_table(cls._workspace_root, cls._toml_namespace)
        )
        return init_settings, env_settings, dotenv_settings, toml

    @classmethod
    def _bound_to(cls, workspace: Path | None) -> type[_LayeredSettings]:
        """A subclass reading this workspace's ``.env`` and TOML files."""
        env_file = (workspace / ".env") if workspace is not None else None
        attrs: dict[str, Any] = {
            "_workspace_root": workspace,
            "model_config": SettingsConfigDict(env_file=env_file),
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
        }
        return type(cls.__name__, (cls,), attrs)


class PluginSettings(_LayeredSettings):
    """Base class of a plugin's settings. Set ``namespace`` (e.g. ``"openai"``)."""

    namespace: ClassVar[str] = ""
    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.namespace:
            cls._toml_namespace = cls.namespace
            cls.model_config["env_prefix"] = f"{ENV_PREFIX}{cls.namespace.upper()}__"


class AutobyteusSettings(_LayeredSettings):
    """The core's settings. ``AUTOBYTEUS_MODEL``, ``AUTOBYTEUS_LOG_FORMAT``, ..."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore"
    )

    model: str | None = Field(None, description="default model id, provider:model")
    workflow: str = Field("automated_coding", description="default workflow name")
    log_format: Literal["console", "json"] | None = Field(
        None, description="console on a TTY, json otherwise when unset"
    )
    log_level: str = Field("INFO", description="minimum log level")
    max_concurrency: int = Field(4, ge=1, description="subtasks run at once")
    budget_tokens: int | None = Field(None, ge=1, description="stop before exceeding")
    budget_usd: float | None = Field(None, gt=0, description="stop before exceeding")
    max_file_bytes: int = Field(1_000_000, ge=1, description="largest file the LLM may write")
    prompts: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="prompt overrides: step name → template key → file"
    )

    _workspace: Path | None = PrivateAttr(default=None)
    _plugin_cache: dict[type[Any], Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def load(cls, workspace: Path | None = None, **overrides: Any) -> AutobyteusSettings:
        """Settings for ``workspace`` (its ``.env`` and TOML files), with ``overrides`` on top."""
        bound = cls._bound_to(workspace)
        settings = bound(**overrides)
        assert isinstance(settings, AutobyteusSettings)
        settings._workspace = workspace
        return settings

    @property
    def workspace(self) -> Path | None:
        """The workspace whose files these settings were read from, if any."""
        return self._workspace

    def plugin(self, settings_cls: type[P], **overrides: Any) -> P:
        """The plugin settings ``settings_cls`` for the same workspace, loaded once and cached."""
        if not overrides and settings_cls in self._plugin_cache:
            cached: P = self._plugin_cache[settings_cls]
            return cached
        bound = settings_cls._bound_to(self._workspace)
        value = bound(**overrides)
        assert isinstance(value, settings_cls)
        if not overrides:
            self._plugin_cache[settings_cls] = value
        return value
