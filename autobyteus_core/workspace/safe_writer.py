"""The one safe writer for everything the LLM produces.

Every file a workflow writes goes through :meth:`SafeWriter.write`, which refuses anything that
could leave the workspace or tamper with it (see :mod:`workspace.path_rules`) or with autobyteus's
own settings (see :mod:`workspace.control_files`), follows symbolic links only when they stay inside
the workspace, walks the directories with ``O_NOFOLLOW`` descriptors so a directory swapped for a
link mid-write cannot redirect it, replaces files atomically, and records every change.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from pathlib import Path, PurePath

from autobyteus_core.workspace.atomic_write import (
    HAS_DIR_FD,
    O_BINARY,
    O_DIRECTORY,
    O_NOFOLLOW,
    atomic_write_at,
)
from autobyteus_core.workspace.control_files import ControlFiles
from autobyteus_core.workspace.errors import FileTooLargeError, UnsafePathError, WorkspaceError
from autobyteus_core.workspace.path_rules import VENV_MARKER, check_name, split_relative_path
from autobyteus_core.workspace.written_file import WrittenFile

_DIR_FLAGS = os.O_RDONLY | O_DIRECTORY | O_NOFOLLOW
_LINK_ERRNOS = frozenset({errno.ELOOP, errno.ENOTDIR, errno.EMLINK})


class SafeWriter:
    """Writes files under ``root`` and nowhere else; each write returns its :class:`WrittenFile`
    (the run keeps the record of them, not the writer)."""

    def __init__(
        self,
        root: Path | str,
        *,
        max_file_bytes: int = 1_000_000,
        durable: bool = False,
        control_files: ControlFiles | None = None,
    ) -> None:
        """A writer confined to ``root`` (which must exist when writing) that refuses content
        larger than ``max_file_bytes`` and any change to ``control_files`` (by default the
        fixed ones). Every write is atomic (a killed process leaves the old content or the new,
        never half); ``durable`` also fsyncs each file before it replaces the old one, which
        protects against power cuts at a cost of milliseconds per file."""
        self.root = Path(root)
        self.max_file_bytes = max_file_bytes
        self.durable = durable
        self.control_files = control_files or ControlFiles()
        self._real_root: tuple[str, int, int] | None = None

    # -- path checks ------------------------------------------------------------------------

    def real_root(self) -> str:
        """The workspace root with every symbolic link resolved."""
        # Asked for by every write and read: resolved again only when the root no longer
        # leads to the directory it resolved to (two stats instead of an lstat per component).
        try:
            here = os.stat(self.root)
        except OSError:
            here = None
        known = self._real_root
        if here is not None and known is not None and (here.st_dev, here.st_ino) == known[1:]:
            with contextlib.suppress(OSError):
                there = os.stat(known[0], follow_symlinks=False)
                if (there.st_dev, there.st_ino) == known[1:] and stat.S_ISDIR(there.st_mode):
                    return known[0]
        real = os.path.realpath(self.root)
        if not os.path.isdir(real):
            raise WorkspaceError(f"the workspace {self.root} is not a directory")
        info = os.stat(real)
        self._real_root = (real, info.st_dev, info.st_ino)
        return real

    def resolve(self, path: object) -> tuple[str, ...]:
        """The components of ``path`` relative to :meth:`real_root`, after resolving symbolic
        links that stay inside the workspace; raises :class:`UnsafePathError` otherwise."""
        return self._resolve(path, self.real_root())

    def _resolve(self, path: object, real_root: str) -> tuple[str, ...]:
        parts = split_relative_path(path)
        target = os.path.realpath(os.path.join(real_root, *parts))
        if target == real_root or not target.startswith(real_root.rstrip(os.sep) + os.sep):
            raise UnsafePathError(path, "it leads outside the workspace through a symbolic link")
        resolved = tuple(PurePath(os.path.relpath(target, real_root)).parts)
        if resolved != parts:
            for name in resolved:
                check_name(path, name)
        return resolved

    def check(self, path: object, size: int = 0, *, content: str | bytes | None = None) -> str:
        """Validate ``path`` (and a content ``size``, or the ``content`` itself, which is also
        held against the control files) without writing; returns the normalized relative
        path."""
        real_root = self.real_root()
        parts = self._resolve(path, real_root)
        if content is not None:
            data = _encoded(content)
            self._check_size(path, len(data))
            self._check_control(path, real_root, parts, data)
        else:
            self._check_size(path, size)
        return "/".join(parts)

    def _check_control(
        self, path: object, real_root: str, parts: tuple[str, ...], data: bytes
    ) -> None:
        problem = self.control_files.problem(parts, data, lambda: _current(real_root, parts))
        if problem is not None:
            raise UnsafePathError(path, problem)

    def _check_size(self, path: object, size: int) -> None:
        if size > self.max_file_bytes:
            raise FileTooLargeError(
                path, f"{size} bytes is more than the limit of {self.max_file_bytes} bytes"
            )

    # -- writing ----------------------------------------------------------------------------

    def write(self, path: object, content: str | bytes) -> WrittenFile:
        """Write ``content`` (text is UTF-8 encoded) to ``path`` relative to the root.

        Missing directories are created. An identical existing file is left untouched (and
        still recorded). Raises :class:`UnsafePathError` (nothing written) for a refused path.
        """
        data = _encoded(content)
        real_root = self.real_root()
        parts = self._resolve(path, real_root)
        self._check_size(path, len(data))
        self._check_control(path, real_root, parts, data)
        digest = hashlib.sha256(data).hexdigest()
        try:
            if HAS_DIR_FD:
                previous, created = self._write_with_dir_fds(path, real_root, parts, data, digest)
            else:  # pragma: no cover - Windows
                previous, created = self._write_with_paths(path, real_root, parts, data, digest)
        except OSError as exc:
            raise WorkspaceError(f"cannot write {path!r}: {exc.strerror or exc}") from exc
        return WrittenFile(
            path="/".join(parts),
            bytes=len(data),
            sha256=digest,
            created=created,
            previous_sha256=previous,
        )

    def _write_with_dir_fds(
        self, path: object, real_root: str, parts: tuple[str, ...], data: bytes, digest: str
    ) -> tuple[str | None, bool]:
        fds: list[int] = [os.open(real_root, os.O_RDONLY | O_DIRECTORY)]
        try:
            _refuse_venv_fd(path, fds[-1])
            for name in parts[:-1]:
                fds.append(_open_or_make_dir(path, name, fds[-1]))
                _refuse_venv_fd(path, fds[-1])
            directory = Path(real_root, *parts[:-1])
            return _replace_file(path, fds[-1], directory, parts[-1], data, digest, self.durable)
        finally:
            for fd in reversed(fds):
                os.close(fd)

    def _write_with_paths(  # pragma: no cover - only where dir_fd is unsupported (Windows)
        self, path: object, real_root: str, parts: tuple[str, ...], data: bytes, digest: str
    ) -> tuple[str | None, bool]:
        current = Path(real_root)
        for name in parts[:-1]:
            current = current / name
            try:
                info = os.lstat(current)
            except FileNotFoundError:
                current.mkdir()
                info = os.lstat(current)
            if not stat.S_ISDIR(info.st_mode):
                raise UnsafePathError(path, f"'{name}' is not a plain directory")
            if (current / VENV_MARKER).exists():
                raise UnsafePathError(path, f"'{name}' is a virtual environment")
        return _replace_file(path, None, current, parts[-1], data, digest, self.durable)


def _encoded(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else bytes(content)


def _current(real_root: str, parts: tuple[str, ...]) -> bytes | None:
    """The content of the workspace file ``parts`` (links not followed), None when absent."""
    try:
        fd = os.open(os.path.join(real_root, *parts), os.O_RDONLY | O_NOFOLLOW | O_BINARY)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        return file.read()


def _open_or_make_dir(path: object, name: str, parent_fd: int) -> int:
    """Open the directory ``name`` under ``parent_fd`` without following links, creating it."""
    for _ in range(2):
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
        except FileNotFoundError:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o777, dir_fd=parent_fd)
        except OSError as exc:
            if exc.errno in _LINK_ERRNOS:
                raise UnsafePathError(
                    path, f"'{name}' is a file or a symbolic link, not a directory"
                ) from None
            raise
    raise UnsafePathError(path, f"the directory '{name}' keeps changing")


def _refuse_venv_fd(path: object, dir_fd: int) -> None:
    try:
        os.stat(VENV_MARKER, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    raise UnsafePathError(path, "it is inside a virtual environment (a folder with pyvenv.cfg)")


def _replace_file(
    path: object,
    dir_fd: int | None,
    directory: Path,
    name: str,
    data: bytes,
    digest: str,
    durable: bool,
) -> tuple[str | None, bool]:
    """Atomically write ``name``; returns (hash of the replaced content or None, created)."""
    try:
        if dir_fd is not None:
            info: os.stat_result | None = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        else:
            info = os.lstat(directory / name)
    except FileNotFoundError:
        info = None
    if info is None:
        atomic_write_at(dir_fd, directory, name, data, fsync=durable)
        return None, True
    if stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(path, "the path names an existing directory")
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePathError(path, "the file became a symbolic link while it was being written")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePathError(path, "the path names a device, pipe or socket, not a file")
    previous = _hash_file(dir_fd, directory, name)
    if previous != digest:
        atomic_write_at(
            dir_fd,
            directory,
            name,
            data,
            stat.S_IMODE(info.st_mode),
            exact_mode=True,
            fsync=durable,
        )
    return previous, False


def _hash_file(dir_fd: int | None, directory: Path, name: str) -> str:
    flags = os.O_RDONLY | O_NOFOLLOW | O_BINARY
    fd = (
        os.open(name, flags, dir_fd=dir_fd)
        if dir_fd is not None
        else os.open(directory / name, flags)
    )
    digest = hashlib.sha256()
    try:
        while chunk := os.read(fd, 1 << 16):
            digest.update(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()
