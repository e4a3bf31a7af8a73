"""Resource limits (``setrlimit``) for every process generated code starts, on top of the timeout.

They are set in the child between fork and exec, so they bind the sandbox launcher and everything
it starts. Where the kernel does not know a limit (macOS has no ``RLIMIT_AS`` to lower, Windows
has no ``resource`` module) it is skipped, never an error.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

_MB = 1024 * 1024


@dataclass(frozen=True)
class ResourceLimits:
    """Per-process limits; ``None`` leaves one as inherited.

    ``processes`` is counted by the kernel per user, across the whole machine: the limit set is
    this user's current number of processes plus ``processes``. The kernel does not apply it to
    root.
    """

    cpu_seconds: int | None = 600
    address_space_mb: int | None = 4096
    file_size_mb: int | None = 256
    processes: int | None = 256

    def as_dict(self) -> dict[str, int | None]:
        """The limits as they are recorded with each execution."""
        return asdict(self)

    def preexec(self) -> Callable[[], None] | None:
        """A function setting these limits in a forked child, or None where there are none."""
        try:
            import resource
        except ImportError:  # pragma: no cover - Windows
            return None
        pairs: list[tuple[int, int]] = []
        if self.cpu_seconds is not None:
            pairs.append((resource.RLIMIT_CPU, self.cpu_seconds))
        if self.address_space_mb is not None:
            pairs.append((resource.RLIMIT_AS, self.address_space_mb * _MB))
        if self.file_size_mb is not None:
            pairs.append((resource.RLIMIT_FSIZE, self.file_size_mb * _MB))
        nproc = getattr(resource, "RLIMIT_NPROC", None)
        if self.processes is not None and nproc is not None:
            pairs.append((nproc, _user_processes() + self.processes))
        pairs.append((resource.RLIMIT_CORE, 0))  # no core dumps of generated code

        def apply() -> None:
            # Runs between fork and exec: no allocation-heavy work, no locks, no logging.
            for kind, value in pairs:
                with contextlib.suppress(ValueError, OSError):
                    _soft, hard = resource.getrlimit(kind)
                    if hard != resource.RLIM_INFINITY:
                        value = min(value, hard)
                    resource.setrlimit(kind, (value, value))

        return apply


def _user_processes() -> int:
    """How many processes (threads count, as the kernel counts them) this user runs now."""
    uid = os.getuid()
    count = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            info = os.stat(f"/proc/{entry}")
            if info.st_uid == uid:
                count += len(os.listdir(f"/proc/{entry}/task"))
        except OSError:
            continue
    return count
