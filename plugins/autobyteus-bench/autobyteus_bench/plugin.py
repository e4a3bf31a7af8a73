"""The ``bench`` plugin: adds ``autobyteus bench run|report|compare``.

The hook only attaches the click group; what the commands need is imported when they run.
"""

from __future__ import annotations

import click

from autobyteus_core import hookimpl

#: The plugin API versions this plugin supports.
AUTOBYTEUS_PLUGIN_API = ">=1.4,<2"


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add the ``bench`` command group."""
    from autobyteus_bench.commands import bench

    cli.add_command(bench)
