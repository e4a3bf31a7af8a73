"""``--executor`` and ``--address``, shared by the commands that hand their work to an executor
(``autobyteus batch run``, and ``autobyteus bench run`` from its plugin). Only click is imported,
so a plugin's command module can use them at import time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def executor_options(what: str) -> Callable[[F], F]:
    """``--executor`` and ``--address`` of a command whose ``what`` (items, tasks) run on an
    executor."""

    def decorate(command: F) -> F:
        command = click.option(
            "--address", default=None, help="The cluster an executor connects to (ray)."
        )(command)
        return click.option(
            "--executor",
            default="local",
            show_default=True,
            help=f"Where {what} run (autobyteus batch executors lists them).",
        )(command)

    return decorate
