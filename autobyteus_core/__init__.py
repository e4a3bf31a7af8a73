"""autobyteus core: the plugin system, registries, workflow engine, prompts, settings and logging.

Plugins implement the hooks in :mod:`autobyteus_core.hookspecs` with :data:`hookimpl`::

    from autobyteus_core import hookimpl

    @hookimpl
    def register_steps(register):
        register(MyStep)                                      # the class itself, or
        register(Deferred("my_step", "my_plugin.steps:MyStep"))  # imported on first use

This module stays import-light: importing it must not pull in pydantic, jinja2 or any SDK.
"""

from __future__ import annotations

import pluggy

from autobyteus_core.deferred import Deferred

__all__ = [
    "PLUGIN_API_VERSION",
    "PROJECT_NAME",
    "Deferred",
    "__version__",
    "hookimpl",
    "hookspec",
]

__version__ = "0.1.0"

#: The pluggy project name, which is also the entry-point group plugins are discovered in.
PROJECT_NAME = "autobyteus"

#: The version of the plugin contract (hook specs and the types they pass). A plugin may declare
#: the range it supports with a module-level ``AUTOBYTEUS_PLUGIN_API = ">=1,<2"``.
#: 1.1 added registration by import path (:class:`~autobyteus_core.deferred.Deferred`).
PLUGIN_API_VERSION = "1.1"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
