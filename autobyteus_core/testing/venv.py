"""A real virtual environment for tests whose point is installation and entry-point discovery.

Plugin authors can use it to prove that their distribution, once pip-installed next to the core,
is found by ``autobyteus plugins``::

    venv = Venv.create(tmp_path / "venv", "autobyteus-core")
    venv.pip("install", str(plugin_dir))
    assert "my-plugin" in venv.autobyteus("plugins").stdout
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

#: Variables that would make the venv's interpreter see another environment's packages.
_LEAKING_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")


class Venv:
    """A virtual environment at ``root``: run its Python, its pip and its ``autobyteus``."""

    def __init__(self, root: Path) -> None:
        """Wrap an existing environment."""
        self.root = root

    @classmethod
    def create(cls, root: Path, *requirements: str) -> Venv:
        """Create an environment at ``root`` (with virtualenv when available, which is faster
        than the standard ``venv``) and pip-install ``requirements`` into it."""
        try:
            import virtualenv  # noqa: F401

            command = [sys.executable, "-m", "virtualenv", "--quiet", str(root)]
        except ImportError:
            command = [sys.executable, "-m", "venv", str(root)]
        subprocess.run(command, check=True, env=_clean_env())
        venv = cls(root)
        if requirements:
            venv.pip("install", *requirements)
        return venv

    def bin(self, name: str) -> Path:
        """The path of an executable installed in the environment."""
        folder = self.root / ("Scripts" if os.name == "nt" else "bin")
        return folder / (f"{name}.exe" if os.name == "nt" else name)

    @property
    def python(self) -> Path:
        return self.bin("python")

    def run(
        self,
        *argv: str | Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        check: bool = True,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` with the environment's ``bin`` first on ``PATH``; output is captured as
        text. ``env`` adds variables. With ``check``, a failure raises showing the output."""
        full_env = _clean_env()
        full_env["PATH"] = f"{self.bin('python').parent}{os.pathsep}{full_env.get('PATH', '')}"
        full_env.update(env or {})
        proc = subprocess.run(
            [str(a) for a in argv],
            capture_output=True,
            text=True,
            env=full_env,
            cwd=cwd,
            input=input,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(str(a) for a in argv)} exited with {proc.returncode}\n"
                f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
            )
        return proc

    def pip(
        self, *args: str | Path, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the environment's pip (quietly); a failure raises showing the output."""
        return self.run(self.python, "-m", "pip", "--quiet", *args, env=env)

    def autobyteus(
        self,
        *args: str | Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run the environment's ``autobyteus`` executable."""
        return self.run(self.bin("autobyteus"), *args, env=env, cwd=cwd, check=check)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _LEAKING_ENV}
