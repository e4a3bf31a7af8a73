"""``autobyteus config show``: the effective settings, secrets redacted, with their sources."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from autobyteus_core.cli.context import get_app
from autobyteus_core.cli.output import echo_json, print_table

if TYPE_CHECKING:
    from autobyteus_core.app import Application
    from autobyteus_core.settings import PluginSettings, _LayeredSettings

#: The section name of the core's own settings.
CORE_SECTION = "autobyteus"


@click.group("config")
def config_group() -> None:
    """Show the effective settings and where each value came from."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Workspace whose .env, autobyteus.toml or pyproject.toml settings apply.",
)
@click.pass_context
def show_command(ctx: click.Context, as_json: bool, workspace: Path) -> None:
    """Show the effective settings and where each value came from.

    Sources, highest first: env (AUTOBYTEUS_* variables), .env in the workspace, autobyteus.toml
    in the workspace (or [tool.autobyteus] in its pyproject.toml), default. Every installed
    plugin's settings are shown under its namespace. Secrets are always redacted. The last
    lines say which Python and which sandbox generated code would run with.
    """
    from autobyteus_core.errors import ConfigurationError
    from autobyteus_core.sandbox.policy import Sandbox
    from autobyteus_core.settings import AutobyteusSettings
    from autobyteus_core.workspace.interpreter import project_interpreter

    core = AutobyteusSettings.load(workspace)
    sections: dict[str, Any] = {CORE_SECTION: describe_settings(core)}
    warnings = workspace_redirects(CORE_SECTION, core)
    for settings_cls in plugin_settings_classes(get_app(ctx)):
        try:
            settings = core.plugin(settings_cls)
            sections[settings_cls.namespace] = describe_settings(settings)
            warnings += workspace_redirects(settings_cls.namespace, settings)
        except Exception as exc:  # one plugin's invalid settings must not hide the rest
            sections[settings_cls.namespace] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        isolation = Sandbox.from_settings(core).isolation(warn=False)
        sandbox = {**isolation.record(), "description": isolation.describe()}
    except ConfigurationError as exc:  # sandbox = bwrap where bubblewrap does not work
        sandbox = {"sandbox": None, "description": f"none: {exc}"}
    try:
        interpreter = project_interpreter(workspace.resolve(), core.python)
        python: dict[str, str | None] = {"path": interpreter.path, "source": interpreter.source}
    except ConfigurationError as exc:
        python = {"path": None, "source": str(exc)}
    data = {
        "workspace": str(workspace.resolve()),
        "settings": sections,
        "warnings": warnings,
        "python": python,
        "sandbox": sandbox,
    }
    if as_json:
        echo_json(data)
        return
    click.echo(f"Workspace: {data['workspace']}")
    for section, fields in sections.items():
        if "error" in fields and isinstance(fields["error"], str):
            click.echo(f"\n[{section}] could not be loaded: {fields['error']}")
            continue
        print_table(
            f"[{section}]",
            ("Setting", "Value", "Source", "Environment variable"),
            [
                (name, _text(info["value"]), info["source"], info["env"])
                for name, info in fields.items()
            ],
        )
    for warning in warnings:
        click.echo(f"\nWarning: {warning}")
    click.echo(f"\nPython:  {python['path'] or 'none'} ({python['source']})")
    click.echo(f"Sandbox: {sandbox['description']}")


def workspace_redirects(section: str, settings: _LayeredSettings) -> list[str]:
    """A warning for every URL setting taken from a workspace file while a secret of the same
    settings comes from elsewhere: whoever wrote that file decides where the secret goes."""
    inside = settings.workspace_sourced()
    sources = settings.value_sources()
    fields = type(settings).model_fields
    urls = [n for n in fields if n.endswith("url") and n in inside and getattr(settings, n)]
    secrets = [
        n for n in fields if n not in inside and hasattr(getattr(settings, n), "get_secret_value")
    ]
    return [
        f"[{section}] {url} comes from a file in the workspace ({sources[url]}) while "
        f"{secret} comes from {sources[secret]}: that file decides where your {secret} is sent"
        for url in urls
        for secret in secrets
    ]


def describe_settings(settings: _LayeredSettings) -> dict[str, dict[str, Any]]:
    """``{field: {"value", "source", "env"}}`` for every field, secrets redacted."""
    from autobyteus_core.logging import redact_value

    values = settings.model_dump(mode="json")
    sources = settings.value_sources()
    return {
        name: {
            "value": redact_value(name, _secret_aware(settings, name, values[name])),
            "source": sources[name],
            "env": type(settings).env_name(name),
        }
        for name in type(settings).model_fields
    }


def _secret_aware(settings: _LayeredSettings, name: str, dumped: Any) -> Any:
    raw = getattr(settings, name)
    return raw if hasattr(raw, "get_secret_value") else dumped


def plugin_settings_classes(app: Application) -> list[type[PluginSettings]]:
    """The settings models of the loaded plugins: every provider's ``settings_class``, plus
    every :class:`PluginSettings` subclass defined in a loaded plugin's package."""
    from autobyteus_core.settings import known_plugin_settings

    app.fill_all()
    found: dict[type[PluginSettings], None] = {}
    for registration in app.llm.providers.registrations():
        settings_cls = getattr(registration.item, "settings_class", None)
        if settings_cls is not None:
            found[settings_cls] = None
    packages = {
        _top_package(record.module)
        for record in app.host.active_records()
        if record.module and not record.default
    }
    for settings_cls in known_plugin_settings():
        if _top_package(settings_cls.__module__) in packages:
            found[settings_cls] = None
    return sorted(found, key=lambda cls: cls.namespace)


def _top_package(module: str) -> str:
    return module.split(":", 1)[0].split(".", 1)[0]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value)
