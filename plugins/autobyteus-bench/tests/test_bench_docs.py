"""The README's command reference is the real CLI's help (regenerate it by running this file)."""

from __future__ import annotations

from pathlib import Path

from bench_testkit.harness import autobyteus

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
    """Every bench command's ``--help``, from the ``autobyteus`` executable."""
    parts = []
    for path in COMMANDS:
        result = autobyteus(*path, "--help", cwd=README.parent)
        assert result.returncode == 0, result.stderr
        parts.append(
            f"#### `autobyteus {' '.join(path)}`\n\n```text\n{result.stdout.rstrip()}\n```\n"
        )
    return "\n".join(parts)


def test_the_readme_command_reference_is_the_cli_help() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.split(HEADING, 1)[1] == command_reference(), (
        "stale: run python plugins/autobyteus-bench/tests/test_bench_docs.py"
    )


if __name__ == "__main__":
    head = README.read_text(encoding="utf-8").split(HEADING, 1)[0]
    README.write_text(head + HEADING + command_reference(), encoding="utf-8")
