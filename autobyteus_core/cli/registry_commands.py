"""``autobyteus plugins``, ``steps``, ``models`` and ``workflows``: what the plugins registered."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from autobyteus_core.cli.context import get_app
from autobyteus_core.cli.output import echo_json, print_table

if TYPE_CHECKING:
    from autobyteus_core.llm.llm_provider import LLMProvider, ModelInfo
    from autobyteus_core.plugins import PluginRecord
    from autobyteus_core.registry import PluginOrigin
    from autobyteus_core.settings import AutobyteusSettings

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
workspace_option = click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Workspace whose .env, autobyteus.toml or pyproject.toml settings apply.",
)


def origin_fields(origin: PluginOrigin) -> dict[str, str | None]:
    """The ``plugin``, ``distribution`` and ``version`` keys of a JSON entry."""
    return {
        "plugin": origin.plugin,
        "distribution": origin.distribution,
        "version": origin.version,
    }


def _describe(origin: PluginOrigin) -> str:
    version = f" {origin.version}" if origin.version else ""
    return (
        f"{origin.plugin} ({origin.distribution}{version})"
        if origin.distribution
        else origin.plugin
    )


# -- plugins -------------------------------------------------------------------------------------


@click.command("plugins")
@json_option
@click.option("--hook", "hook", default=None, help="Only plugins implementing this hook.")
@click.option(
    "--freeze",
    is_flag=True,
    help="Print requirement lines that reinstall every installed plugin "
    "(autobyteus install -r FILE); imports no plugin.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Also import everything registered by import path (normally imported on first use), "
    "and exit with status 1 if any plugin failed.",
)
@click.pass_context
def plugins_command(
    ctx: click.Context, as_json: bool, hook: str | None, freeze: bool, check: bool
) -> None:
    """List installed plugins, what each registered, and failed loads.

    Every plugin is listed with its distribution and version, the hooks it implements and the
    names it registered, the names it took over with replace=True ("replaces X from Y") and the
    names it was refused because an earlier plugin holds them. Plugins that failed to load are
    listed with their error; plugins left out by AUTOBYTEUS_LOAD_PLUGINS or
    AUTOBYTEUS_DISABLE_PLUGINS are listed as disabled.
    Steps and providers registered by import path are not imported unless --check is given.
    """
    from autobyteus_core import plugin_inventory

    if freeze:
        for line in plugin_inventory.freeze_lines():
            click.echo(line)
        return
    from autobyteus_core.cli import plugin_commands

    app = get_app(ctx)
    if check:
        app.load_everything()
    records = app.plugin_records()
    plugin_commands(ctx)  # records the commands each plugin adds
    if hook is not None:
        try:
            records = plugin_inventory.records_with_hook(records, hook)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--hook") from exc
    if as_json:
        echo_json([r.to_dict() for r in records])
    else:
        _print_plugins(records)
    if check and any(r.failed for r in records):
        ctx.exit(1)


def _print_plugins(records: list[PluginRecord]) -> None:
    loaded = [r for r in records if r.status == "loaded"]
    rows = [
        (
            r.name,
            r.version or "",
            (r.distribution or r.module or "") + (" (default)" if r.default else ""),
            "\n".join(r.hooks),
            "\n".join(
                [
                    f"{kind}: {', '.join(sorted(names))}"
                    for kind, names in sorted(r.registered.items())
                    if names
                ]
                + [f"replaces {what}" for what in r.replaces]
            ),
        )
        for r in loaded
    ]
    if rows:
        print_table("Plugins", ("Plugin", "Version", "Distribution", "Hooks", "Registered"), rows)
    else:
        click.echo("No plugin is loaded.")
    refused = [r for r in loaded if any(r.refused.values())]
    if refused:
        click.echo("\nRefused (an earlier plugin holds the name and keeps it):")
        for r in refused:
            names = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(r.refused.items()) if v)
            click.echo(f"  {r.describe()}: {names}")
    failed = [r for r in records if r.status == "failed"]
    if failed:
        click.echo("\nFailed to load:")
        for r in failed:
            click.echo(f"  {r.describe()}: {r.error}")
    disabled = [r for r in records if r.status == "disabled"]
    if disabled:
        click.echo("\nDisabled:")
        for r in disabled:
            click.echo(f"  {r.describe()}: {r.disabled}")


# -- steps ---------------------------------------------------------------------------------------


@click.command("steps")
@json_option
@click.pass_context
def steps_command(ctx: click.Context, as_json: bool) -> None:
    """List registered workflow steps.

    Each step is shown with its description and the plugin that registered it.
    """
    app = get_app(ctx)
    entries = []
    for registration in app.steps.registrations():
        step = registration.item
        entries.append(
            {
                "name": registration.name,
                "description": step.description,
                "class": f"{step.__module__}:{step.__qualname__}",
                "prompt_templates": dict(step.prompt_templates),
                **origin_fields(registration.origin),
            }
        )
    if as_json:
        echo_json(entries)
        return
    if not entries:
        click.echo("No step is registered; install a step plugin such as autobyteus-coding-steps.")
        return
    print_table(
        "Steps",
        ("Step", "Description", "Plugin"),
        [(r.name, r.item.description, _describe(r.origin)) for r in app.steps.registrations()],
    )


# -- models --------------------------------------------------------------------------------------


@click.command("models")
@json_option
@click.option(
    "--remote",
    is_flag=True,
    help="Ask each provider's server which models it offers (needs the provider configured).",
)
@click.option("--provider", "provider_name", default=None, help="Only this provider's models.")
@workspace_option
@click.pass_context
def models_command(
    ctx: click.Context, as_json: bool, remote: bool, provider_name: str | None, workspace: Path
) -> None:
    """List the models of every LLM provider.

    Model ids have the form provider:model; the one used when no --model is given is marked as
    the default. With --remote, a provider that cannot be reached is reported on stderr and the
    command exits with status 1 after listing the others.
    """
    from autobyteus_core.errors import ConfigurationError
    from autobyteus_core.settings import AutobyteusSettings

    app = get_app(ctx)
    settings = AutobyteusSettings.load(workspace)
    registrations = app.llm.providers.registrations()
    if provider_name is not None:
        if provider_name not in app.llm.providers:
            app.llm.providers.get(provider_name)  # raises, listing the registered providers
        registrations = [r for r in registrations if r.name == provider_name]
    try:
        default: str | None = app.llm.resolve_model_id(settings)
    except ConfigurationError:
        default = None
    entries: list[dict[str, Any]] = []
    owners: dict[str, PluginOrigin] = {}
    errors: dict[str, str] = {}
    for registration in registrations:
        try:
            models = _provider_models(registration.item, settings, remote)
        except Exception as exc:
            errors[registration.name] = f"{type(exc).__name__}: {exc}"
            continue
        owners[registration.name] = registration.origin
        for model in models:
            entries.append(
                {
                    "id": model.id,
                    "provider": registration.name,
                    "description": model.description,
                    "is_default": model.id == default,
                    **origin_fields(registration.origin),
                }
            )
    entries.sort(key=lambda e: str(e["id"]))
    if as_json:
        echo_json(entries)
    elif entries:
        print_table(
            "Models",
            ("Model", "Default", "Description", "Provider plugin"),
            [
                (
                    e["id"],
                    "*" if e["is_default"] else "",
                    e["description"],
                    _describe(owners[e["provider"]]),
                )
                for e in entries
            ],
        )
    else:
        click.echo("No model is available; install a provider plugin such as autobyteus-openai.")
    for name, error in errors.items():
        click.echo(f"Error: provider '{name}' could not list its models: {error}", err=True)
    if errors:
        ctx.exit(1)


def _provider_models(
    provider: LLMProvider, settings: AutobyteusSettings, remote: bool
) -> list[ModelInfo]:
    if remote:
        import asyncio

        return asyncio.run(provider.list_remote_models(settings))
    return provider.list_models(settings)


# -- workflows -----------------------------------------------------------------------------------


@click.command("workflows")
@json_option
@click.pass_context
def workflows_command(ctx: click.Context, as_json: bool) -> None:
    """List registered workflows.

    Each workflow is shown with its steps, in order (nested steps in brackets), the plugin that
    registered it, and any step name no installed plugin provides.
    """
    app = get_app(ctx)
    known_steps = set(app.steps.names())
    entries = []
    for registration in app.workflows.registrations():
        definition = registration.item
        entries.append(
            {
                **definition.model_dump(mode="json"),
                "missing_steps": sorted(set(definition.step_names()) - known_steps),
                **origin_fields(registration.origin),
            }
        )
    if as_json:
        echo_json(entries)
        return
    if not entries:
        click.echo("No workflow is registered; install autobyteus-coding-steps.")
        return
    print_table(
        "Workflows",
        ("Workflow", "Description", "Steps", "Plugin", "Missing steps"),
        [
            (
                e["name"],
                e["description"],
                _step_tree(e["steps"]),
                _describe(r.origin),
                ", ".join(e["missing_steps"]),
            )
            for e, r in zip(entries, app.workflows.registrations(), strict=True)
        ],
    )


def _step_tree(steps: dict[str, Any]) -> str:
    parts = []
    for step_id, config in steps.items():
        label = step_id if step_id == config["step"] else f"{step_id} ({config['step']})"
        if config.get("steps"):
            label += f" [{_step_tree(config['steps'])}]"
        parts.append(label)
    return " → ".join(parts)
