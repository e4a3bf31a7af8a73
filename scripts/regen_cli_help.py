"""Regenerate the ``--help`` texts of the command reference (docs/cli.md) from the real CLI.

    python scripts/regen_cli_help.py            # rewrite the section in docs/cli.md
    python scripts/regen_cli_help.py --check    # exit 1, showing a diff, if docs/cli.md is stale

Every built-in command (and every sub-command of a built-in group) is rendered at a fixed width
with external plugins switched off, so the output is the same on every machine.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from pathlib import Path

import click
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
WIDTH = 88
BEGIN = "<!-- section:cli-help -->"
END = "<!-- /section:cli-help -->"
INTRO = (
    "Generated from the CLI by `python scripts/regen_cli_help.py` (a test fails when this\n"
    "section and the CLI disagree). Installed plugins can add more commands."
)


def command_paths() -> list[tuple[str, ...]]:
    """``()`` for the root, then every built-in command and its sub-commands, sorted."""
    from autobyteus_core.cli import LAZY_COMMANDS, cli

    paths: list[tuple[str, ...]] = [()]
    ctx = click.Context(cli)
    for name in sorted(LAZY_COMMANDS):
        command = cli.get_command(ctx, name)
        if command is None:
            raise SystemExit(f"built-in command {name!r} cannot be imported")
        paths.extend(_with_subcommands((name,), command))
    return paths


def _with_subcommands(path: tuple[str, ...], command: click.Command) -> list[tuple[str, ...]]:
    found = [path]
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found.extend(_with_subcommands((*path, name), sub))
    return found


def help_text(path: tuple[str, ...]) -> str:
    """``autobyteus PATH --help`` at :data:`WIDTH` columns, with no external plugin loaded."""
    from autobyteus_core.cli import cli

    result = CliRunner().invoke(
        cli,
        [*path, "--help"],
        prog_name="autobyteus",
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        env={"AUTOBYTEUS_LOAD_PLUGINS": "", "AUTOBYTEUS_DISABLE_PLUGINS": None},
        catch_exceptions=False,
    )
    if result.exit_code != 0:
        raise SystemExit(f"autobyteus {' '.join(path)} --help failed:\n{result.output}")
    return result.output.rstrip() + "\n"


def render_section() -> str:
    """The whole section body, between the markers."""
    parts = [INTRO, ""]
    for path in command_paths():
        title = " ".join(("autobyteus", *path))
        parts += [f"#### `{title}`", "", "```text", help_text(path).rstrip(), "```", ""]
    return "\n".join(parts)


def replace_section(page: str, body: str) -> str:
    """``page`` with the cli-help section's content replaced by ``body``."""
    pattern = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.S)
    if not pattern.search(page):
        raise SystemExit(f"the page has no {BEGIN} ... {END} section")
    return pattern.sub(lambda _: f"{BEGIN}\n{body}{END}", page, count=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether it is stale")
    parser.add_argument("--page", type=Path, default=REPO / "docs" / "cli.md")
    args = parser.parse_args(argv)
    os.environ["COLUMNS"] = str(WIDTH)
    current = args.page.read_text(encoding="utf-8")
    wanted = replace_section(current, render_section())
    if current == wanted:
        print(f"{args.page}: command reference is up to date")
        return 0
    if args.check:
        diff = difflib.unified_diff(
            current.splitlines(), wanted.splitlines(), args.page.name, "CLI", lineterm=""
        )
        print("\n".join(diff))
        print(f"\n{args.page} is stale: run python scripts/regen_cli_help.py")
        return 1
    args.page.write_text(wanted, encoding="utf-8")
    print(f"{args.page}: command reference regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
