"""Settings, with pydantic-settings: the core's and each plugin's (a :class:`PluginSettings`
subclass with a ``namespace``), from the sources docs/settings.md lists, highest first.

:meth:`_LayeredSettings.value_sources` tells where each value came from (``autobyteus config
show`` prints it). A plugin that adds its own pydantic-settings source (say, for the standard
``OPENAI_API_KEY`` variable) can give it a ``source_label`` attribute to name it there.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar, cast

from pydantic import Field, PrivateAttr, SecretBytes, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from autobyteus_core.errors import ConfigurationError
from autobyteus_core.sandbox.limits import ResourceLimits

ENV_PREFIX = "AUTOBYTEUS_"
TOML_FILE = "autobyteus.toml"

#: Labels of the sources, as ``value_sources`` and ``autobyteus config show`` report them.
SOURCE_INIT = "init"
SOURCE_ENV = "env"
SOURCE_DOTENV = ".env"
SOURCE_TOML = TOML_FILE
SOURCE_PYPROJECT = "pyproject.toml [tool.autobyteus]"
SOURCE_DEFAULT = "default"

#: The default resource limits of generated code (the ``sandbox_*`` settings' defaults).
_LIMITS = ResourceLimits()

P = TypeVar("P", bound="PluginSettings")
S = TypeVar("S", bound="_LayeredSettings")

#: The workspace whose TOML files the settings being built read when their class is the one
#: shared by every workspace without a ``.env`` (set only while :meth:`_LayeredSettings._create`
#: builds them).
_TOML_WORKSPACE: ContextVar[Path | None] = ContextVar("autobyteus_toml_workspace", default=None)


def read_workspace_toml(workspace: Path | None) -> tuple[dict[str, Any], str | None]:
    """The autobyteus table of the workspace and the source label it came from:
    ``autobyteus.toml`` when present, else ``[tool.autobyteus]`` of ``pyproject.toml``."""
    if workspace is None:
        return {}, None
    from autobyteus_core.tomlcompat import tomllib

    own = workspace / TOML_FILE
    pyproject = workspace / "pyproject.toml"
    for path, label in ((own, SOURCE_TOML), (pyproject, SOURCE_PYPROJECT)):
        if not path.is_file():
            continue
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"cannot read settings from {path}: {exc}") from exc
        if label == SOURCE_PYPROJECT:
            table = data.get("tool", {}).get("autobyteus")
            if not isinstance(table, dict):
                return {}, None
            data = table
        return data, label
    return {}, None


class _WorkspaceTomlSource(InitSettingsSource):
    """Values from the workspace's autobyteus.toml (or pyproject.toml), top level for the core
    settings and the ``[namespace]`` table for a plugin's."""

    def __init__(self, settings_cls: type[BaseSettings], workspace: Path | None) -> None:
        data, self.label = read_workspace_toml(workspace)
        namespace = getattr(settings_cls, "_toml_namespace", None)
        if namespace:
            table = data.get(namespace, {})
            data = table if isinstance(table, dict) else {}
        super().__init__(settings_cls, init_kwargs=data)


class _LayeredSettings(BaseSettings):
    """Shared source ordering for the core settings and every plugin's settings."""

    _workspace_root: ClassVar[Path | None] = None
    _toml_namespace: ClassVar[str | None] = None
    _bound: ClassVar[bool] = False

    _workspace: Path | None = PrivateAttr(default=None)
    _init_values: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """init > env > .env > workspace TOML (> defaults)."""
        root = cls._workspace_root if cls._workspace_root is not None else _TOML_WORKSPACE.get()
        toml = _WorkspaceTomlSource(settings_cls, root)
        return init_settings, env_settings, dotenv_settings, toml

    @classmethod
    def _bound_to(cls: type[S], workspace: Path | None) -> type[S]:
        """A subclass reading this workspace's ``.env`` and TOML files."""
        return _bind(cls, workspace)

    @classmethod
    def _create(cls: type[S], workspace: Path | None, overrides: dict[str, Any]) -> S:
        bound, toml_root = _class_for(cls, workspace)
        key = _reuse_key(bound, toml_root, overrides)
        built = _BUILT.get(key) if key is not None else None
        value: S
        if built is not None:
            # Validated when first built; a deep copy, so no two settings share a value.
            fields = copy.deepcopy(dict(built))
            value = cast(S, bound.model_construct(set(built.model_fields_set), **fields))
        else:
            value = _validated(bound, workspace, toml_root, overrides)
            if key is not None:
                if len(_BUILT) >= _MAX_BUILT:
                    _BUILT.clear()
                _BUILT[key] = value.model_copy(deep=True)
        value._workspace = workspace
        value._init_values = dict(overrides)
        _register_secrets(value)
        return value

    @classmethod
    def env_name(cls, field_name: str) -> str:
        """The environment variable that sets ``field_name``."""
        prefix = str(cls.model_config.get("env_prefix", ""))
        return f"{prefix}{field_name}".upper()

    @property
    def workspace(self) -> Path | None:
        """The workspace whose files these settings were read from, if any."""
        return self._workspace

    def value_sources(self) -> dict[str, str]:
        """For every field, the source its value came from: ``init``, ``env``, ``.env``,
        ``autobyteus.toml``, ``pyproject.toml [tool.autobyteus]`` or ``default``."""
        return _value_sources(type(self), self._workspace, self._init_values)

    def workspace_sourced(self) -> set[str]:
        """The fields whose value comes from a file of the workspace (``.env``,
        ``autobyteus.toml``, ``pyproject.toml``), which whoever writes there controls."""
        origins = _value_origins(type(self), self._workspace, self._init_values)
        return {name for name, (_, inside) in origins.items() if inside}


#: Settings built from the default sources, by what they were built from (see :func:`_reuse_key`):
#: a batch builds the same settings for every item's workspace, and pydantic-settings takes about
#: a millisecond to inspect the fields again each time.
_BUILT: dict[tuple[Any, ...], _LayeredSettings] = {}
_MAX_BUILT = 64
_DEFAULT_SOURCES = _LayeredSettings.settings_customise_sources.__func__  # type: ignore[attr-defined]


def _validated(
    bound: type[S], workspace: Path | None, toml_root: Path | None, overrides: dict[str, Any]
) -> S:
    token = _TOML_WORKSPACE.set(toml_root)
    try:
        return bound(**overrides)
    except ValidationError as exc:
        raise ConfigurationError(
            _explain_validation_error(bound, workspace, overrides, exc)
        ) from exc
    finally:
        _TOML_WORKSPACE.reset(token)


def _reuse_key(
    bound: type[_LayeredSettings], toml_root: Path | None, overrides: dict[str, Any]
) -> tuple[Any, ...] | None:
    """Everything the settings of ``bound`` are built from when it reads the default sources and
    no ``.env``: the overrides, the workspace's TOML file as bytes and the environment. None
    when they cannot be told apart this way (a ``.env``, a source of the class's own, overrides
    that are not plain data, an unreadable file: built afresh, and errors raised as usual)."""
    custom = bound.settings_customise_sources.__func__  # type: ignore[attr-defined]
    if bound._workspace_root is not None or custom is not _DEFAULT_SOURCES:
        return None
    try:
        given = json.dumps(overrides, sort_keys=True)
        files = _toml_bytes(toml_root)
    except (TypeError, ValueError, OSError):
        return None
    return bound, given, files, tuple(sorted(os.environ.items()))


def _toml_bytes(workspace: Path | None) -> tuple[bytes | None, bytes | None]:
    """The bytes of the files :func:`read_workspace_toml` reads for ``workspace``."""
    if workspace is None:
        return None, None
    own = workspace / TOML_FILE
    if own.is_file():
        return own.read_bytes(), None
    pyproject = workspace / "pyproject.toml"
    return None, pyproject.read_bytes() if pyproject.is_file() else None


def _register_secrets(settings: BaseSettings) -> None:
    """Make every secret value of ``settings`` one :func:`mask_secrets` masks."""
    from autobyteus_core.secret_masking import register_secret

    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, (SecretStr, SecretBytes)):
            secret = value.get_secret_value()
            register_secret(
                secret if isinstance(secret, str) else secret.decode("utf-8", "replace")
            )


def _class_for(cls: type[S], workspace: Path | None) -> tuple[type[S], Path | None]:
    """The class to build the settings of ``workspace`` with, and the workspace its TOML source
    then reads: a workspace without a ``.env`` shares the class bound to none (pydantic takes
    milliseconds to build a class, and a batch has a workspace per item); one with a ``.env``
    gets its own, whose ``model_config["env_file"]`` names that file."""
    if workspace is None:
        return _bind(cls, None), None
    root = workspace.resolve()
    if (root / ".env").exists():
        return _bind(cls, root), None
    return _bind(cls, None), root


def _bind(cls: type[S], workspace: Path | None) -> type[S]:
    if cls._bound:
        cls = cls.__mro__[1]
    return _bind_cached(cls, workspace.resolve() if workspace is not None else None)


@functools.lru_cache(maxsize=256)
def _bind_cached(cls: type[S], workspace: Path | None) -> type[S]:
    env_file = (workspace / ".env") if workspace is not None else None
    attrs: dict[str, Any] = {
        "_workspace_root": workspace,
        "_bound": True,
        "model_config": SettingsConfigDict(env_file=env_file),
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
    }
    return type(cls.__name__, (cls,), attrs)


#: The sources that are files of the workspace (a custom source says so with a true
#: ``source_in_workspace`` attribute).
WORKSPACE_SOURCES = frozenset({SOURCE_DOTENV, SOURCE_TOML, SOURCE_PYPROJECT})


def _labelled_sources(
    bound: type[_LayeredSettings], overrides: dict[str, Any]
) -> list[tuple[str, dict[str, Any], bool]]:
    """Each source: its label, its values and whether it is a file of the workspace."""
    sources = bound.settings_customise_sources(
        bound,
        InitSettingsSource(bound, init_kwargs=overrides),
        EnvSettingsSource(bound),
        DotEnvSettingsSource(bound),
        InitSettingsSource(bound, init_kwargs={}),
    )
    labelled: list[tuple[str, dict[str, Any], bool]] = []
    for source in sources:
        custom = getattr(source, "source_label", None)
        if isinstance(custom, str) and custom:
            label = custom
        elif isinstance(source, _WorkspaceTomlSource):
            label = source.label or SOURCE_TOML
        elif isinstance(source, DotEnvSettingsSource):
            label = SOURCE_DOTENV
        elif isinstance(source, EnvSettingsSource):
            label = SOURCE_ENV
        elif isinstance(source, InitSettingsSource):
            label = SOURCE_INIT
        else:
            label = type(source).__name__.strip("_")
        in_workspace = label in WORKSPACE_SOURCES or bool(
            getattr(source, "source_in_workspace", False)
        )
        labelled.append((label, source(), in_workspace))
    return labelled


def _field_keys(settings_cls: type[BaseSettings], name: str) -> Iterator[str]:
    yield name
    info = settings_cls.model_fields[name]
    for alias in (info.alias, info.validation_alias):
        if isinstance(alias, str):
            yield alias
        elif alias is not None and hasattr(alias, "choices"):
            yield from (c for c in alias.choices if isinstance(c, str))


def _value_origins(
    cls: type[_LayeredSettings], workspace: Path | None, overrides: dict[str, Any]
) -> dict[str, tuple[str, bool]]:
    """For every field, the label of the source its value came from and whether that source is
    a file of the workspace."""
    bound = cls._bound_to(workspace)
    labelled = _labelled_sources(bound, overrides)
    result: dict[str, tuple[str, bool]] = {}
    for name in cls.model_fields:
        keys = list(_field_keys(cls, name))
        found = [
            (label, inside) for label, values, inside in labelled if any(k in values for k in keys)
        ]
        result[name] = found[0] if found else (SOURCE_DEFAULT, False)
    return result


def _value_sources(
    cls: type[_LayeredSettings], workspace: Path | None, overrides: dict[str, Any]
) -> dict[str, str]:
    return {name: label for name, (label, _) in _value_origins(cls, workspace, overrides).items()}


def _explain_validation_error(
    bound: type[_LayeredSettings],
    workspace: Path | None,
    overrides: dict[str, Any],
    exc: ValidationError,
) -> str:
    try:
        sources = _value_sources(bound, workspace, overrides)
    except Exception:  # the explanation must never hide the real error
        sources = {}
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        where = sources.get(field, "?")
        if where in (SOURCE_ENV, SOURCE_DOTENV):
            where = f"{where} {bound.env_name(field)}"
        lines.append(f"{field} (from {where}): {error['msg']}")
    name = getattr(bound, "namespace", "") or "autobyteus"
    return f"invalid {name} settings: " + "; ".join(lines)


class PluginSettings(_LayeredSettings):
    """Base class of a plugin's settings. Set ``namespace`` (e.g. ``"openai"``).

    Values come from ``AUTOBYTEUS_<NAMESPACE>__<FIELD>``, the ``.env`` file, the ``[namespace]``
    table of ``autobyteus.toml`` (or ``[tool.autobyteus.<namespace>]``) and the defaults. Make
    secrets ``SecretStr``. ``autobyteus config show`` lists every subclass whose module is
    imported once plugins are loaded (or that a provider names as its ``settings_class``).
    """

    namespace: ClassVar[str] = ""
    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.namespace:
            cls._toml_namespace = cls.namespace
            cls.model_config["env_prefix"] = f"{ENV_PREFIX}{cls.namespace.upper()}__"

    @classmethod
    def load(cls: type[P], workspace: Path | None = None, **overrides: Any) -> P:
        """These plugin settings for ``workspace``, with ``overrides`` on top."""
        return cls._create(workspace, overrides)


def known_plugin_settings() -> list[type[PluginSettings]]:
    """Every :class:`PluginSettings` subclass with a namespace defined so far, by namespace."""
    found: list[type[PluginSettings]] = []
    pending = list(PluginSettings.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.namespace and not cls._bound and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda c: (c.namespace, c.__module__, c.__qualname__))


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
    sandbox: Literal["auto", "bwrap", "off"] = Field(
        "auto", description="isolation of generated code: bwrap where it works (auto), or off"
    )
    sandbox_network: bool = Field(False, description="let sandboxed generated code use the network")
    sandbox_cpu_seconds: int | None = Field(
        _LIMITS.cpu_seconds, ge=1, description="CPU time per process of generated code"
    )
    sandbox_memory_mb: int | None = Field(
        _LIMITS.address_space_mb, ge=16, description="address space per process"
    )
    sandbox_file_size_mb: int | None = Field(
        _LIMITS.file_size_mb, ge=1, description="largest file generated code may write"
    )
    sandbox_processes: int | None = Field(
        _LIMITS.processes, ge=1, description="processes generated code may add"
    )
    sandbox_tmp_mb: int | None = Field(512, ge=1, description="size of the sandbox's private /tmp")
    git: bool = Field(True, description="in a git repository, work on a branch and commit")
    git_branch: str | None = Field(
        None, description="the run's branch ({run_id} filled in); autobyteus/{run_id} if unset"
    )
    git_allow_dirty: bool = Field(
        False, description="start on a work tree with uncommitted changes (committed first)"
    )
    python: str | None = Field(
        None, description="the project's interpreter (default: the workspace's .venv or venv)"
    )

    _plugin_cache: dict[type[Any], Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def load(cls, workspace: Path | None = None, **overrides: Any) -> AutobyteusSettings:
        """Settings for ``workspace`` (its ``.env`` and TOML files), with ``overrides`` on top.

        Raises :class:`ConfigurationError` naming the field, the source of the bad value and the
        problem when a value is invalid or a TOML file is malformed.
        """
        return cls._create(workspace, overrides)

    def prompt_file(self, step: str, key: str) -> Path | None:
        """The override file of the prompt ``key`` of ``step``, if the settings name one (a
        relative path is in the workspace)."""
        override = self.prompts.get(step, {}).get(key)
        if not override:
            return None
        path = Path(override).expanduser()
        if not path.is_absolute() and self._workspace is not None:
            path = self._workspace / path
        return path

    def prompt_files(self) -> list[Path]:
        """Every prompt override file the settings name (control files: LLM output never
        writes them)."""
        found = (self.prompt_file(step, key) for step, keys in self.prompts.items() for key in keys)
        return [path for path in found if path is not None]

    def plugin(self, settings_cls: type[P], **overrides: Any) -> P:
        """The plugin settings ``settings_cls`` for the same workspace, loaded once and cached
        (with ``overrides``, loaded afresh and not cached)."""
        if not overrides and settings_cls in self._plugin_cache:
            cached: P = self._plugin_cache[settings_cls]
            return cached
        value = settings_cls.load(self._workspace, **overrides)
        if not overrides:
            self._plugin_cache[settings_cls] = value
        return value
