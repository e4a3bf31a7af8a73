"""Where candidate code runs when it is scored: never in this process, always with a timeout.

Everything the bench executes from a workspace goes through :func:`run_isolated`, so what
confines it is decided in this one function.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autobyteus_core import ProcessOutcome

#: Output kept of one scoring run (its head and tail).
MAX_OUTPUT_CHARS = 20_000


def confined() -> bool:
    """Whether scored code is confined to its copy of the workspace: where the core's runner
    uses bubblewrap (Linux with user namespaces). Elsewhere it isolates the process group, the
    environment, resource use and time, not the file system."""
    from autobyteus_core import Sandbox

    return Sandbox().isolation(warn=False).kind == "bwrap"


async def run_isolated(argv: Sequence[str], *, cwd: Path, timeout_s: float) -> ProcessOutcome:
    """Run ``argv`` in ``cwd`` through the core's runner (its default sandbox: bubblewrap where
    it works, ``cwd`` the only writable folder), without credentials in its environment,
    killing the whole group after ``timeout_s`` seconds."""
    from autobyteus_core import child_environment, run_process

    # Hidden tests need no pytest plugins: not loading the installed ones (autobyteus's own
    # included) keeps scoring fast and independent of what this environment has.
    env = child_environment({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    return await run_process(
        argv, cwd=cwd, timeout_s=timeout_s, max_output_chars=MAX_OUTPUT_CHARS, env=env
    )
