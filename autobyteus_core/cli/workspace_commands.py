"""``autobyteus workspace``: which workspace type a folder gets, the rule that chose it, the test
command, and every other candidate with its priority."""

from __future__ import annotations

from pathlib import Path

import click

from autobyteus_core.cli.context import get_app
from autobyteus_core.cli.output import echo, echo_json, print_table


@click.command("workspace")
@click.argument(
    "directory",
    required=False,
    default=Path("."),
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def workspace_command(ctx: click.Context, directory: Path, as_json: bool) -> None:
    """Show which workspace type a folder gets, and why.

    The type gives the test command, the test framework and the layout the prompts describe.
    Among the registered types (autobyteus plugins lists who registered them), the one of the
    highest priority that detects the folder (one of its detect files exists at its root)
    wins; when none does, the highest-priority type marked as the default for an empty folder.
    The built-in python type has priority 10, detects pyproject.toml, setup.py, setup.cfg or
    requirements.txt, and is the default. A folder that does not exist yet is judged as empty.
    Tests and generated code run with the Python the setting python names, else the
    workspace's .venv or venv, else the one running autobyteus.
    """
    from autobyteus_core.cli.run_commands import cannot_start
    from autobyteus_core.settings import AutobyteusSettings
    from autobyteus_core.workspace.interpreter import project_interpreter
    from autobyteus_core.workspace.workspace_choice import choose_workspace_type

    app = get_app(ctx)
    root = directory.expanduser().absolute()
    with cannot_start():
        python = project_interpreter(root, AutobyteusSettings.load(root).python)
    registered = [(r.item, r.origin) for r in app.workspace_types.registrations()]
    choice = choose_workspace_type(root, registered)
    kind = choice.chosen.workspace_type if choice.chosen else None
    test_command = kind.test_argv(python.path) if kind else []
    if as_json:
        echo_json(
            {**choice.to_dict(test_command), "python": python.path, "python_source": python.source}
        )
        return
    missing = "" if root.is_dir() else " (does not exist yet: judged as an empty folder)"
    echo(f"Workspace: {root}{missing}")
    echo(f"Python:    {python.path} ({python.source})")
    if choice.chosen is None or kind is None:
        echo(f"Type:      none: {choice.rule}")
    else:
        echo(f"Type:      {kind.name}, from {choice.chosen.origin.describe()}")
        echo(f"Rule:      {choice.rule}")
        tests = " ".join(test_command) or "none: this type has no test command, so no test runs"
        echo(f"Tests:     {tests}")
        if kind.test_framework:
            pattern = (
                f", files {kind.test_dir}/{kind.test_file_pattern}"
                if kind.test_file_pattern
                else ""
            )
            echo(f"Framework: {kind.test_framework}{pattern}")
    if not choice.candidates:
        echo("No workspace type is registered.")
        return
    print_table(
        "Candidates (highest priority first)",
        ("Type", "Priority", "Detects", "Matched", "Default", "Plugin"),
        [
            (
                ("* " if c is choice.chosen else "") + c.workspace_type.name,
                str(c.workspace_type.priority),
                ", ".join(c.workspace_type.detect_files),
                ", ".join(c.matched),
                "yes" if c.workspace_type.default_for_empty else "",
                c.origin.describe(),
            )
            for c in choice.candidates
        ],
    )
