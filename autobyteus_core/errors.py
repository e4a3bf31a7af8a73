"""The root of autobyteus's exception hierarchy."""

from __future__ import annotations


class AutobyteusError(Exception):
    """Base class for every error autobyteus raises on purpose; its message is meant for users."""


class PluginLoadError(AutobyteusError):
    """A plugin failed to import, validate or register (raised only in strict mode)."""


class ConfigurationError(AutobyteusError):
    """Settings or a workflow configuration are invalid or incomplete."""
