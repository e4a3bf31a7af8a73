"""``autobyteus install`` and ``autobyteus uninstall``: pip, run by the interpreter that runs
autobyteus, so a tool installed with pipx or ``uv tool`` gets its plugins in its own environment.

These commands never load a plugin themselves (a broken plugin must not stop its own removal):
they read package metadata only, and learn what a newly installed plugin registered from a fresh
``autobyteus plugins --json`` subprocess, because this process's imports predate the install.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import click

from autobyteus_core.plugin_inventory import changed_distributions, plugin_versions
from autobyteus_core.plugins import CORE_DISTRIBUTION, canonical_name


def installer_argv(
    subcommand: str,
    args: Sequence[str],
    *,
    python: str,
    has_pip: bool,
    uv: str | None,
    assume_yes: bool = False,
) -> list[str]:
    """The argv that runs ``pip SUBCOMMAND ARGS`` for the environment of ``python``: its own pip,
    or, where it has none (``uv tool`` environments), ``uv pip ... --python PYTHON``.
    ``assume_yes`` answers pip's confirmation question (uv never asks)."""
    if has_pip:
        return [python, "-m", "pip", subcommand, *(["--yes"] if assume_yes else []), *args]
    if uv is not None:
        return [uv, "pip", subcommand, "--python", python, *args]
    raise click.ClickException(
        f"pip is not installed in the environment of {python} and uv is not on PATH; "
        "install pip there (python -m ensurepip) or install uv"
    )


def pip_command(subcommand: str, *args: str, assume_yes: bool = False) -> list[str]:
    """The argv that runs ``pip SUBCOMMAND ARGS`` inside the current interpreter's environment."""
    import importlib.util
    import shutil

    return installer_argv(
        subcommand,
        args,
        python=sys.executable,
        has_pip=importlib.util.find_spec("pip") is not None,
        uv=shutil.which("uv"),
        assume_yes=assume_yes,
    )


def pip_install_args(
    names: Sequence[str],
    *,
    upgrade: bool = False,
    editables: Sequence[str] = (),
    requirements: Sequence[str] = (),
) -> list[str]:
    """The arguments after ``pip install`` for the given requirements (names may carry version
    specifiers: ``autobyteus-openai>=0.2``)."""
    args: list[str] = []
    if upgrade:
        args.append("--upgrade")
    args.extend(names)
    for path in editables:
        args.extend(["--editable", path])
    for path in requirements:
        args.extend(["--requirement", path])
    return args


def _run_pip(command: list[str]) -> int:
    click.echo(f"Running: {shlex.join(command)}", err=True)
    return subprocess.run(command, check=False).returncode


def fresh_plugin_records() -> list[dict[str, Any]]:
    """``autobyteus plugins --check --json`` from a new interpreter (which sees what was just
    installed, and imports everything registered by import path, so a wrong ``Deferred`` path
    shows); plugin failures are reported in the records, not raised."""
    env = dict(os.environ, AUTOBYTEUS_STRICT_PLUGINS="0")
    proc = subprocess.run(
        [sys.executable, "-m", "autobyteus_core.cli", "plugins", "--check", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    try:  # --check exits with 1 when any plugin failed: the records say which
        records: list[dict[str, Any]] = json.loads(proc.stdout)
    except ValueError:
        raise click.ClickException(
            "could not list the installed plugins (autobyteus plugins --check --json failed):\n"
            + proc.stderr.strip()
        ) from None
    return records


def describe_plugin(record: dict[str, Any]) -> list[str]:
    """Lines telling what one freshly loaded plugin registered, or why it failed."""
    from autobyteus_core.registry import PluginOrigin

    title = PluginOrigin(
        plugin=str(record.get("name")),
        distribution=record.get("distribution"),
        version=record.get("version"),
    ).describe()
    if record.get("status") == "failed":
        return [
            f"{title} FAILED to load: {record.get('error')}",
            f"  remove it with: autobyteus uninstall {record.get('distribution')}",
        ]
    if record.get("status") == "disabled":
        return [f"{title} is not loaded: {record.get('disabled')}"]
    lines = [f"{title}:"]
    registered: dict[str, list[str]] = record.get("registered") or {}
    for kind, names in sorted(registered.items()):
        if names:
            lines.append(f"  {kind}: {', '.join(names)}")
    hooks = record.get("hooks") or []
    lines.append(f"  hooks: {', '.join(hooks) if hooks else 'none'}")
    return lines


def report_changes(before: dict[str, str]) -> list[str]:
    """Print what each plugin distribution that is new (or at a new version) since ``before``
    registered, as seen by a fresh process; return those of them that failed to load."""
    changed = changed_distributions(before, plugin_versions())
    if not changed:
        click.echo("No new autobyteus plugin was installed.")
        return []
    records = fresh_plugin_records()
    failed = []
    for dist in changed:
        own = [r for r in records if canonical_name(str(r.get("distribution") or "")) == dist]
        lines = [line for r in own for line in describe_plugin(r)]
        click.echo("Installed " + "\n".join(lines or [f"{dist}, which no plugin record names"]))
        if any(r.get("status") == "failed" for r in own):
            failed.append(dist)
    return failed


@click.command("install")
@click.argument("names", nargs=-1, metavar="NAME...")
@click.option(
    "-U", "--upgrade", is_flag=True, help="Upgrade the named plugins to the newest version."
)
@click.option(
    "-e",
    "--editable",
    "editables",
    multiple=True,
    metavar="PATH",
    help="Install the plugin in this folder in editable (development) mode. Repeatable.",
)
@click.option(
    "-r",
    "--requirement",
    "requirements",
    multiple=True,
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False),
    help="Install the plugins listed in FILE (as written by `autobyteus plugins --freeze`).",
)
def install_command(
    names: tuple[str, ...],
    upgrade: bool,
    editables: tuple[str, ...],
    requirements: tuple[str, ...],
) -> None:
    """Install plugins with pip into the environment autobyteus runs in.

    NAME may carry a version specifier (autobyteus-openai>=0.2) or be a path or URL. Afterwards,
    checks each newly installed plugin as `autobyteus plugins --check` does and lists what it
    registered; exits with status 1 when one of them failed to load.
    """
    if not (names or editables or requirements):
        raise click.UsageError("name at least one plugin, -e PATH or -r FILE")
    before = plugin_versions()
    args = pip_install_args(names, upgrade=upgrade, editables=editables, requirements=requirements)
    code = _run_pip(pip_command("install", *args))
    if code != 0:
        raise SystemExit(code)
    failed = report_changes(before)
    if failed:
        raise click.ClickException(
            f"installed, but failed to load: {', '.join(failed)} (see above; "
            f"autobyteus uninstall {' '.join(failed)} removes it)"
        )


def distribution_to_remove(name: str) -> str:
    """The installed plugin distribution that ``name`` (a distribution or plugin name) names;
    a name that is neither raises :class:`click.UsageError` listing what is installed."""
    from autobyteus_core.plugin_inventory import installed_plugin_distributions

    installed = installed_plugin_distributions()
    for dist in installed:
        if dist.key == canonical_name(name):
            return dist.name
    for dist in installed:
        plugin_names = [line.split("=", 1)[0].strip() for line in dist.entry_points]
        if canonical_name(name) in {canonical_name(p) for p in plugin_names}:
            click.echo(f"Plugin {name} comes from the distribution {dist.name}.", err=True)
            return dist.name
    listed = "; ".join(
        f"{d.name} (plugin {', '.join(e.split('=', 1)[0].strip() for e in d.entry_points)})"
        for d in installed
    )
    raise click.UsageError(
        f"no installed plugin or plugin distribution is named {name!r}; installed: "
        f"{listed or 'none'}"
    )


@click.command("uninstall")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def uninstall_command(names: tuple[str, ...], yes: bool) -> None:
    """Uninstall plugins with pip from the environment autobyteus runs in.

    NAME is a distribution name or a plugin name as `autobyteus plugins` shows it. Works even
    when the plugin is broken: no plugin is loaded to run this command.
    """
    import importlib.util

    if any(canonical_name(name) == CORE_DISTRIBUTION for name in names):
        raise click.UsageError(
            f"{CORE_DISTRIBUTION} runs this command; remove it with the tool that installed it"
        )
    dists = [distribution_to_remove(name) for name in names]
    if not yes and importlib.util.find_spec("pip") is not None and not sys.stdin.isatty():
        raise click.UsageError(
            "pip asks for confirmation and there is no terminal to answer it: use -y "
            f"(autobyteus uninstall -y {' '.join(dists)})"
        )
    before = plugin_versions()
    code = _run_pip(pip_command("uninstall", *dists, assume_yes=yes))
    if code != 0:
        raise SystemExit(code)
    after = plugin_versions()
    for dist in sorted(set(before) - set(after)):
        click.echo(f"Removed plugin {dist} {before[dist]}")
