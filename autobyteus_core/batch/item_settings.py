"""An item's settings: the ``settings`` of its JSONL line over its workspace's files.

Laid out as ``autobyteus.toml`` is: core settings at the top level, a plugin's in a table
named for its namespace (``{"budget_tokens": 9000, "coding_steps": {"fix_rounds": 1}}``).
Whatever a plugin reads through ``settings.plugin(...)`` gets the item's table on top of its
other sources; a table no plugin of the item's run reads, or a key its plugin does not have,
is refused with an error naming it (pydantic would ignore it silently).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import PrivateAttr

from autobyteus_core.errors import ConfigurationError
from autobyteus_core.settings import (
    AutobyteusSettings,
    P,
    _field_keys,
    known_plugin_settings,
)

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.llm.llm_integration import LLMIntegration


class ItemSettings(AutobyteusSettings):
    """Core settings whose :meth:`plugin` puts the item's table for that plugin on top."""

    _tables: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)
    _with_tables: dict[type[Any], Any] = PrivateAttr(default_factory=dict)

    @property
    def tables(self) -> dict[str, dict[str, Any]]:
        """The item's plugin settings, by namespace."""
        return self._tables

    def plugin(self, settings_cls: type[P], **overrides: Any) -> P:
        """``settings_cls`` for the workspace with the item's table (and ``overrides``) on top."""
        table = self._tables.get(settings_cls.namespace)
        if not table:
            return super().plugin(settings_cls, **overrides)
        if not overrides and settings_cls in self._with_tables:
            cached: P = self._with_tables[settings_cls]
            return cached
        value = settings_cls.load(self._workspace, **{**table, **overrides})
        if not overrides:
            self._with_tables[settings_cls] = value
        return value


def item_settings(root: Path, overrides: dict[str, Any]) -> ItemSettings:
    """The settings of an item whose workspace is ``root``; a key that is neither a core
    setting nor a table (a JSON object) raises naming it."""
    core_fields = AutobyteusSettings.model_fields
    unknown = sorted(
        k for k, v in overrides.items() if k not in core_fields and not isinstance(v, dict)
    )
    if unknown:
        raise ConfigurationError(
            f"unknown settings {', '.join(unknown)} (core settings: "
            f"{', '.join(sorted(core_fields))}; a plugin's settings go in an object named for "
            'it, such as "coding_steps": {"fix_rounds": 1})'
        )
    settings = ItemSettings._create(root, {k: v for k, v in overrides.items() if k in core_fields})
    settings._tables = {k: v for k, v in overrides.items() if k not in core_fields}
    return settings


def check_tables(settings: ItemSettings) -> None:
    """Refuse a table that no plugin loaded so far reads (call it once the item's steps and
    provider are imported) and a key its plugin does not have; load each table, so a bad value
    raises naming the field and where it came from."""
    if not settings.tables:
        return
    classes = {cls.namespace: cls for cls in known_plugin_settings()}
    for namespace, table in sorted(settings.tables.items()):
        settings_cls = classes.get(namespace)
        if settings_cls is None:
            readers = ", ".join(sorted(classes)) or "none"
            raise ConfigurationError(
                f"unknown settings {namespace!r}: no plugin of this item's workflow and model "
                f"reads settings of that name (these do: {readers})"
            )
        keys = {
            key for name in settings_cls.model_fields for key in _field_keys(settings_cls, name)
        }
        extra = sorted(set(table) - keys)
        if extra:
            raise ConfigurationError(
                f"unknown {namespace} settings {', '.join(extra)} (known: "
                f"{', '.join(sorted(settings_cls.model_fields))})"
            )
        settings.plugin(settings_cls)


def own_llm(app: Application, model: str | None, settings: ItemSettings) -> LLMIntegration | None:
    """A client of ``model`` for this item alone when the item sets its provider's settings
    (the application's shared client is made with the first item's); else None."""
    from autobyteus_core.llm.llm_integration_registry import LLMIntegrationRegistry, split_model_id

    if not settings.tables:
        return None
    model_id = app.llm.resolve_model_id(settings, model)
    provider_name, _ = split_model_id(model_id)
    if provider_name not in app.llm.providers:
        return None
    settings_cls = app.llm.providers.get(provider_name).settings_class
    if settings_cls is None or settings_cls.namespace not in settings.tables:
        return None
    alone = LLMIntegrationRegistry()
    alone.providers = app.llm.providers  # the same providers, a client not shared
    return alone.get(model_id, settings)
