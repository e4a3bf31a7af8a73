"""The ``autobyteus`` command line.

Start-up is a feature: this module imports only click. Sub-commands live in their own modules and
are imported when invoked (see :data:`LAZY_COMMANDS`); plugins add theirs through the
``register_commands`` hook, which is the only reason plugins are loaded for ``--help``.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from autobyteus_core import __version__

#: command name -> "module:attribute" of a click command, imported on first use.
LAZY_COMMANDS: dict[str, str] = {
    "plugins": "autobyteus_core.cli.registry_commands:plugins_command",
    "steps": "autobyteus_core.cli.registry_commands:steps_command",
    "models": "autobyteus_core.cli.registry_commands:models_command",
    "workflows": "autobyteus_core.cli.registry_commands:workflows_command",
    "config": "autobyteus_core.cli.config_commands:config_group",
    "install": "autobyteus_core.cli.install_commands:install_command",
    "uninstall": "autobyteus_core.cli.install_commands:uninstall_command",
    "plugin": "autobyteus_core.cli.plugin_commands:plugin_group",
}


class LazyGroup(click.Group):
    """A click group whose built-in commands are imported only when they run, and whose plugin
    commands are added by the ``register_commands`` hook on first listing or lookup."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugin_commands_added = False

    def _add_plugin_commands(self, ctx: click.Context) -> None:
        if self._plugin_commands_added:
            return
        self._plugin_commands_added = True
        from autobyteus_core.cli.context import get_app

        app = get_app(ctx)
        app.load_plugins()
        for _record, _result in app.host.call_per_plugin("register_commands", cli=self):
            pass

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands(ctx)
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is not None:
            module_name, attribute = target.split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            assert isinstance(command, click.Command)
            return command
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._add_plugin_commands(ctx)
            command = super().get_command(ctx, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help of lazy commands comes from a static table so --help imports nothing.
        from autobyteus_core.cli.help_texts import SHORT_HELP

        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS:
                rows.append((name, SHORT_HELP.get(name, "")))
            else:
                cmd = super().get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(formatter.width - 20)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autobyteus")
@click.option(
    "--log-format",
    type=click.Choice(["console", "json"]),
    default=None,
    help="Log line format (default: console on a terminal, json otherwise; "
    "env AUTOBYTEUS_LOG_FORMAT).",
)
@click.pass_context
def cli(ctx: click.Context, log_format: str | None) -> None:
    """autobyteus: turn a software requirement into working, tested code with an LLM."""
    ctx.ensure_object(dict)
    ctx.obj["log_format"] = log_format or os.environ.get("AUTOBYTEUS_LOG_FORMAT")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="autobyteus")
