"""Whether a process of this machine is still running, asked without touching it."""

from __future__ import annotations

import os

#: Whether :func:`process_alive` can tell (``os.kill(pid, 0)`` would end the process on Windows).
CAN_PROBE = os.name == "posix"


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (always False where that cannot be probed safely)."""
    if not CAN_PROBE:  # pragma: no cover
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
