"""autobyteus-coding-steps: the automated-coding workflow's steps, as an autobyteus plugin.

The plugin module :mod:`autobyteus_coding_steps.plugin` registers the five steps
(``requirement``, ``architecture_design``, ``implementation``, ``test_generation``, ``run_tests``)
and the default ``automated_coding`` workflow. What the steps keep in a run's state
(``Subtask``, ``CodingPlan``, ``CodingTests``) is importable from here; importing this package
imports nothing heavy (those names load on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_OUTPUTS = ("CodingPlan", "CodingTests", "Subtask")

__all__ = ["__version__", *_OUTPUTS]


def __getattr__(name: str) -> Any:
    if name not in _OUTPUTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from autobyteus_coding_steps import outputs

    return getattr(outputs, name)


if TYPE_CHECKING:
    from autobyteus_coding_steps.outputs import (
        CodingPlan as CodingPlan,
        CodingTests as CodingTests,
        Subtask as Subtask,
    )
