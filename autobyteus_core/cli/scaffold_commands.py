"""``autobyteus plugin new``: write a ready plugin distribution for plugin authors."""

from __future__ import annotations

from pathlib import Path

import click

from autobyteus_core.scaffold.generator import KINDS, PluginNames, ScaffoldError, write_plugin


@click.group("plugin")
def plugin_group() -> None:
    """Create a new plugin distribution."""


@plugin_group.command("new")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(list(KINDS)),
    default="step",
    show_default=True,
    help="What the plugin adds: a workflow step, an LLM provider, a workspace type or an "
    "observer of workflow events.",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the distribution to (missing or empty; default: ./NAME).",
)
def new_command(name: str, kind: str, directory: Path | None) -> None:
    """Write a new plugin distribution called NAME (e.g. autobyteus-shout).

    It holds a pyproject.toml with the entry point, a package with one working hook
    implementation, tests that use autobyteus-core's testing kit, a README and a tox.ini.
    """
    try:
        names = PluginNames.from_name(name)
        target = directory if directory is not None else Path(names.distribution)
        written = write_plugin(name, kind, target)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {kind} plugin {names.distribution} in {target}:")
    for path in written:
        click.echo(f"  {path.relative_to(target).as_posix()}")
    click.echo(
        "Next:\n"
        f"  cd {target}\n"
        "  pip install -e '.[dev]' && pytest\n"
        "  autobyteus install -e . && autobyteus plugins"
    )
