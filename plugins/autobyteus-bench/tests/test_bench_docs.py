"""The README's command reference is the CLI's own help (regenerate it by running this file)."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "## Command reference\n\n"
COMMANDS = (
    ("bench",),
    ("bench", "run"),
    ("bench", "report"),
    ("bench", "compare"),
    ("bench", "tasks"),
)


def command_reference() -> str:
    """Every bench command's ``--help`` at 88 columns, as the top README renders the core's."""
    from autobyteus_core.cli import cli

    parts = []
    for path in COMMANDS:
        result = CliRunner().invoke(
            cli, [*path, "--help"], prog_name="autobyteus", terminal_width=88,
            max_content_width=88, env={"AUTOBYTEUS_LOAD_PLUGINS": "autobyteus-bench"},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        parts.append(
            f"#### `autobyteus {' '.join(path)}`\n\n```text\n{result.output.rstrip()}\n```\n"
        )
    return "\n".join(parts)


def test_the_readme_command_reference_is_the_cli_help() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.split(HEADING, 1)[1] == command_reference(), (
        "stale: run python plugins/autobyteus-bench/tests/test_bench_docs.py"
    )


if __name__ == "__main__":
    os.environ["COLUMNS"] = "88"
    head = README.read_text(encoding="utf-8").split(HEADING, 1)[0]
    README.write_text(head + HEADING + command_reference(), encoding="utf-8")
