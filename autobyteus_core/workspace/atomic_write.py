"""Atomic file replacement: write a temporary file (fsync it when asked), then rename it over the
target. A reader, or a process killed at any moment, sees the old content or the new one, never
half of it; with ``fsync`` the new content is on disk before the rename, so a power cut cannot
leave an empty file either."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

from autobyteus_core.process_probe import CAN_PROBE, process_alive

#: Flags that refuse to follow a symbolic link in the last path component (0 where unsupported).
O_NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
O_DIRECTORY: int = getattr(os, "O_DIRECTORY", 0)
O_BINARY: int = getattr(os, "O_BINARY", 0)

#: Whether this platform can do every file operation relative to an open directory descriptor.
HAS_DIR_FD: bool = all(
    f in os.supports_dir_fd for f in (os.open, os.mkdir, os.stat, os.rename, os.unlink)
)


#: A temporary file of :func:`atomic_write_at`, named with the writing process's id.
_TEMP_NAME = re.compile(r"^\.autobyteus-(\d+)-[0-9a-f]{12}\.tmp$")


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to the descriptor ``fd``."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write_at(
    dir_fd: int | None,
    directory: Path,
    name: str,
    data: bytes,
    mode: int = 0o666,
    *,
    exact_mode: bool = False,
    fsync: bool = True,
) -> None:
    """Atomically replace ``name`` in ``directory`` with ``data``.

    With ``dir_fd`` (a descriptor of ``directory``), every operation is relative to it, so a
    directory swapped for a symlink after it was checked cannot redirect the write. The
    temporary file is created exclusively and never through a symlink. ``mode`` is filtered by
    the umask unless ``exact_mode`` (used to keep the mode of a replaced file). ``fsync`` flushes
    the content to disk before the rename.
    """
    # The process id in the name lets a later run tell the file of a killed writer (kill -9
    # between create and rename) from one being written right now.
    tmp = f".autobyteus-{os.getpid()}-{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | O_BINARY
    if dir_fd is not None:
        fd = os.open(tmp, flags, mode, dir_fd=dir_fd)
    else:
        fd = os.open(directory / tmp, flags, mode)
    try:
        try:
            if exact_mode and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            write_all(fd, data)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        if dir_fd is not None:
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        else:
            os.replace(directory / tmp, directory / name)
    except BaseException:
        with contextlib.suppress(OSError):
            if dir_fd is not None:
                os.unlink(tmp, dir_fd=dir_fd)
            else:
                os.unlink(directory / tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Atomically and durably (fsync before rename) replace the file ``path`` with ``data``;
    its directory must exist."""
    path = Path(path)
    atomic_write_at(None, path.parent, path.name, data, mode)


def remove_orphaned_temp_files(directory: Path) -> list[str]:
    """Remove the temporary files that writers no longer running left in ``directory`` (a
    process killed mid-write); return their names. Nothing else is touched, and nothing at all
    where processes cannot be probed."""
    removed: list[str] = []
    if not CAN_PROBE:  # pragma: no cover - every writer would look dead
        return removed
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(entry.name)
    return removed


def _alive(pid: int) -> bool:
    try:
        return pid == os.getpid() or process_alive(pid)
    except OverflowError:
        return True  # a number no process can have: not a name this module wrote
