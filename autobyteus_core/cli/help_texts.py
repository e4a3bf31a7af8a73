"""One-line help of the built-in commands, kept here so ``autobyteus --help`` imports nothing.

A test checks each line against the command's own docstring.
"""

from __future__ import annotations

SHORT_HELP: dict[str, str] = {
    "plugins": "List installed plugins, what each registered, and failed loads.",
    "steps": "List registered workflow steps.",
    "models": "List the models of every LLM provider.",
    "workflows": "List registered workflows.",
    "config": "Show the effective settings and where each value came from.",
    "install": "Install plugins with pip into the environment autobyteus runs in.",
    "uninstall": "Uninstall plugins with pip from the environment autobyteus runs in.",
    "plugin": "Create a new plugin distribution.",
    "run": "Run a workflow that turns a requirement into code in the workspace.",
    "runs": "List the runs stored in the workspace.",
    "show": "Show a run: status, steps, usage, files written and the parsed plan.",
    "resume": "Continue a stopped run; recorded LLM replies are reused, never paid twice.",
    "workflow": "Inspect the configured workflow.",
    "batch": "Run many workflows at once, resumable, and follow them.",
    "workspace": "Show which workspace type a folder gets, and why.",
    "plan": "Print a run's plan, or replace it (--edit, --file) before it is implemented.",
    "diff": "Show a run's whole change in git: its branch against where it started.",
    "undo": "Put the repository back as it was before a run, deleting the run's branch.",
}
