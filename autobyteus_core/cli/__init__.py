"""The ``autobyteus`` command line.

Start-up is a feature: this module imports only click. Built-in sub-commands live in their own
modules and are imported when invoked (see :data:`LAZY_COMMANDS`); plugins add theirs through the
``register_commands`` hook, which is the only reason plugins are loaded for ``--help``. Logging is
configured lazily too: ``--log-format`` only records the choice, and structlog is imported when
the first line is logged.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from autobyteus_core import __version__
from autobyteus_core.errors import AutobyteusError

#: command name -> "module:attribute" of a click command, imported on first use.
LAZY_COMMANDS: dict[str, str] = {
    "plugins": "autobyteus_core.cli.registry_commands:plugins_command",
    "steps": "autobyteus_core.cli.registry_commands:steps_command",
    "models": "autobyteus_core.cli.registry_commands:models_command",
    "workflows": "autobyteus_core.cli.registry_commands:workflows_command",
    "config": "autobyteus_core.cli.config_commands:config_group",
    "install": "autobyteus_core.cli.install_commands:install_command",
    "uninstall": "autobyteus_core.cli.install_commands:uninstall_command",
    "plugin": "autobyteus_core.cli.scaffold_commands:plugin_group",
    "run": "autobyteus_core.cli.run_commands:run_command",
    "runs": "autobyteus_core.cli.run_commands:runs_command",
    "show": "autobyteus_core.cli.run_commands:show_command",
    "resume": "autobyteus_core.cli.run_commands:resume_command",
    "workflow": "autobyteus_core.cli.run_commands:workflow_group",
    "batch": "autobyteus_core.cli.batch_commands:batch_group",
    "workspace": "autobyteus_core.cli.workspace_commands:workspace_command",
    "plan": "autobyteus_core.cli.plan_commands:plan_command",
    "diff": "autobyteus_core.cli.git_commands:diff_command",
    "undo": "autobyteus_core.cli.git_commands:undo_command",
}

_PLUGIN_COMMANDS = "plugin_commands"


def _load_lazy(name: str) -> click.Command:
    module_name, attribute = LAZY_COMMANDS[name].split(":")
    command: object = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{LAZY_COMMANDS[name]} is not a click command")
    return command


def plugin_commands(ctx: click.Context) -> dict[str, click.Command]:
    """The commands plugins add through ``register_commands``, collected once per invocation.

    Each plugin's hook gets its own scratch :class:`click.Group`, so a plugin cannot replace a
    built-in or another plugin's command: a command name that is taken is refused for that plugin
    only, like any other name (:meth:`PluginHost.refuse`: a warning, or :class:`PluginLoadError` in
    strict mode), and its other commands are added. Nothing is added to the module-level ``cli``
    group, so nothing leaks between invocations.
    """
    from autobyteus_core.cli.context import get_app
    from autobyteus_core.registry import BUILTIN_ORIGIN, DuplicateRegistrationError, PluginOrigin

    root = ctx.find_root()
    root.ensure_object(dict)
    found: dict[str, click.Command] | None = root.obj.get(_PLUGIN_COMMANDS)
    if found is not None:
        return found
    found = {}
    root.obj[_PLUGIN_COMMANDS] = found
    owners: dict[str, PluginOrigin] = {name: BUILTIN_ORIGIN for name in LAZY_COMMANDS}
    app = get_app(ctx)
    app.load_plugins()
    for record in app.host.active_records():
        scratch = click.Group(name="autobyteus")
        for _record, result in app.host.call_per_plugin("register_commands", [record], cli=scratch):
            if isinstance(result, BaseException):
                continue
            added = []
            for name, command in sorted(scratch.commands.items()):
                owner = owners.get(name)
                if owner is not None:
                    message = f"command '{name}' is already registered by {owner.describe()}"
                    error = DuplicateRegistrationError(
                        message, kind="command", name=name, owner=owner
                    )
                    app.host.refuse(record, error, "commands")
                    continue
                found[name] = command
                owners[name] = record.origin
                added.append(name)
            record.registered.setdefault("commands", []).extend(added)
    return found


class LazyGroup(click.Group):
    """A click group whose built-in commands are imported only when they run, and whose plugin
    commands come from the ``register_commands`` hook on first listing or lookup."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in, plugin and directly added command names, sorted."""
        names = set(super().list_commands(ctx)) | set(LAZY_COMMANDS)
        return sorted(names | set(plugin_commands(ctx)))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in command (imported now), else a directly added one, else a plugin's."""
        if cmd_name in LAZY_COMMANDS:
            return _load_lazy(cmd_name)
        command = super().get_command(ctx, cmd_name)
        if command is None:
            command = plugin_commands(ctx).get(cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``; built-ins' one-line help comes from a static table so
        listing them imports nothing."""
        from autobyteus_core.cli.help_texts import SHORT_HELP

        limit = formatter.width - 6 - max((len(n) for n in self.list_commands(ctx)), default=0)
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS:
                rows.append((name, SHORT_HELP.get(name, "")))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an :class:`AutobyteusError` becomes a one-line ``Error:`` message."""
        try:
            return super().invoke(ctx)
        except AutobyteusError as exc:
            raise click.ClickException(str(exc)) from exc


def _request_log_format(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    from autobyteus_core.logging import request_logging

    request_logging(log_format=value)


def _request_log_level(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    from autobyteus_core.logging import request_logging

    request_logging(level=value)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autobyteus")
@click.option(
    "--log-format",
    type=click.Choice(["console", "json"], case_sensitive=False),
    envvar="AUTOBYTEUS_LOG_FORMAT",
    show_envvar=True,
    is_eager=True,
    expose_value=False,
    callback=_request_log_format,
    help="Log lines on stderr: console for people (default on a terminal) or json (default "
    "otherwise).",
)
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    envvar="AUTOBYTEUS_LOG_LEVEL",
    show_envvar=True,
    is_eager=True,
    expose_value=False,
    callback=_request_log_level,
    help="Least severe log level shown (default INFO).",
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """autobyteus: turn a software requirement into working, tested code with an LLM."""
    ctx.ensure_object(dict)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="autobyteus")
    except AutobyteusError as exc:  # raised outside a command, e.g. strict plugins at --help
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
