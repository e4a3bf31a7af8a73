"""Printing command results: JSON for programs, rich tables for people, both on stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console


def shown(text: str) -> str:
    """``text`` as the CLI prints it: known secrets masked, terminal control sequences removed
    (model text such as task titles and errors quoting a reply may hold them)."""
    from autobyteus_core.secret_masking import mask_secrets
    from autobyteus_core.terminal_text import terminal_text

    return terminal_text(mask_secrets(text))


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print one line of text through :func:`shown`."""
    click.echo(shown(text), err=err, nl=nl)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (values JSON cannot hold are printed with ``str``); JSON
    escapes control characters, and known secrets are masked."""
    echo(json.dumps(data, indent=2, default=str))


def console() -> Console:
    """A rich console on stdout; off a terminal it is wide enough not to fold table cells."""
    from rich.console import Console

    tty = sys.stdout.isatty()
    return Console(highlight=False, width=None if tty else 160, soft_wrap=not tty)


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A simple table with a title; ``rows`` of plain strings (no rich markup is read)."""
    from rich.table import Table

    table = Table(title=_plain(title), title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_plain(cell) for cell in row))
    console().print(table)


def _plain(text: str) -> Any:
    from rich.text import Text

    return Text(shown(text))
