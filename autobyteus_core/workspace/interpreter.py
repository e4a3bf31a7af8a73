"""The Python a workspace's code runs with: the one configured (``python = ...``), else the
workspace's own ``.venv`` or ``venv``, else the interpreter running autobyteus."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from autobyteus_core.errors import ConfigurationError

#: Virtual environments looked for at the workspace root, in this order.
VENV_FOLDERS = (".venv", "venv")
_BIN = "Scripts" if os.name == "nt" else "bin"
_EXE = "python.exe" if os.name == "nt" else "python"


@dataclass(frozen=True)
class Interpreter:
    """An interpreter's path and why it was chosen (``source``, for people)."""

    path: str
    source: str

    def folders(self) -> list[Path]:
        """Where it and its libraries live, found without running it: its virtual
        environment (the folder above ``bin``), and the base interpreter that environment names
        in ``pyvenv.cfg`` (or the executable's real location)."""
        exe = Path(self.path)
        found = [exe.parent.parent]
        config = exe.parent.parent / "pyvenv.cfg"
        if config.is_file():
            for line in config.read_text(encoding="utf-8", errors="replace").splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "home" and value.strip():
                    found.append(Path(value.strip()).parent)
        found.append(Path(os.path.realpath(exe)).parent.parent)
        return [Path(os.path.realpath(p)) for p in dict.fromkeys(found) if p.is_dir()]


def own_interpreter() -> Interpreter:
    """The interpreter running autobyteus."""
    return Interpreter(sys.executable, "autobyteus's own")


def project_interpreter(root: Path, configured: str | None) -> Interpreter:
    """The interpreter for the workspace ``root``; ``configured`` (the ``python`` setting) is
    a path (relative ones in the workspace) or a command on PATH. Raises
    :class:`ConfigurationError` when it names no interpreter."""
    if configured:
        return Interpreter(_configured(root, configured), f"the setting python = {configured}")
    for folder in VENV_FOLDERS:
        candidate = root / folder / _BIN / _EXE
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return Interpreter(str(candidate), f"the workspace's {folder}")
    return own_interpreter()


def _configured(root: Path, value: str) -> str:
    path = Path(value).expanduser()
    if not path.is_absolute() and (len(path.parts) > 1 or (root / path).exists()):
        path = root / path
    if path.is_absolute():
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        raise ConfigurationError(f"python = {value}: {path} is not an executable file")
    found = shutil.which(value)
    if found is None:
        raise ConfigurationError(f"python = {value}: no such command on PATH")
    return found
