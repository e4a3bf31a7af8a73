"""The core's tests, a package so their helper modules are imported by their package path."""

from pathlib import Path

#: The repository's root (the folder of ``pyproject.toml``).
REPO = Path(__file__).resolve().parent.parent
