"""autobyteus-coding-steps: the automated-coding workflow's steps, as an autobyteus plugin.

The plugin module :mod:`autobyteus_coding_steps.plugin` registers the five steps
(``requirement``, ``architecture_design``, ``implementation``, ``test_generation``, ``run_tests``)
and the default ``automated_coding`` workflow. Importing this package imports nothing heavy.
"""

from __future__ import annotations

__version__ = "0.1.0"
