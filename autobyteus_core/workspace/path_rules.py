"""Rules for the relative paths the LLM may write: pure string checks, no file system access.

:func:`split_relative_path` turns ``"pkg/mod.py"`` into ``("pkg", "mod.py")`` or raises
:class:`UnsafePathError`. The safe writer applies these rules to the path as given and again to the
path after symlinks inside the workspace are resolved.
"""

from __future__ import annotations

import re
import unicodedata

from autobyteus_core.workspace.errors import UnsafePathError

#: Folders nobody but their owner may write into: version control (a planted hook runs code),
#: autobyteus's own run store, and virtual environments.
CONTROL_DIRS: frozenset[str] = frozenset({".git", ".hg", ".svn", ".autobyteus", ".venv", "venv"})

#: The file whose presence marks a folder as a virtual environment.
VENV_MARKER = "pyvenv.cfg"

_DEVICE_NAMES: frozenset[str] = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$", "clock$"}
    | {f"{p}{d}" for p in ("com", "lpt") for d in "0123456789\u00b9\u00b2\u00b3"}
)
_FORBIDDEN_CHARS = frozenset('<>:"|?*')
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_DRIVE = re.compile(r"^[A-Za-z]:")
MAX_NAME_BYTES = 255


def split_relative_path(path: object) -> tuple[str, ...]:
    """Validate ``path`` (relative to a workspace root) and return its components.

    Backslashes count as separators and ``.`` components are dropped. Refused: non-strings, NUL
    bytes, empty paths, absolute paths, drive letters, UNC and ``~`` paths, any ``..``, names of
    control folders, device names, invisible or control characters, characters Windows forbids,
    names ending in a dot or space, over-long names, and paths ending with a separator.
    """
    if not isinstance(path, str):
        raise UnsafePathError(path, "a path must be a string")
    if "\x00" in path:
        raise UnsafePathError(path, "the path contains a NUL byte")
    normalized = path.replace("\\", "/")
    if not normalized.strip():
        raise UnsafePathError(path, "the path is empty")
    if normalized.startswith("/"):
        raise UnsafePathError(
            path, "absolute paths are not allowed; give a path relative to the workspace"
        )
    if _DRIVE.match(normalized):
        raise UnsafePathError(
            path, "drive letters are not allowed; give a path relative to the workspace"
        )
    if normalized.startswith("~"):
        raise UnsafePathError(path, "home-relative paths are not allowed")
    if normalized.endswith("/"):
        raise UnsafePathError(path, "the path names a directory, not a file")
    parts = tuple(p for p in normalized.split("/") if p not in ("", "."))
    if not parts:
        raise UnsafePathError(path, "the path names the workspace root, not a file")
    for part in parts:
        check_name(path, part)
    return parts


def check_name(path: object, name: str) -> None:
    """Refuse one path component ``name`` of ``path`` if it is unsafe."""
    if name == "..":
        raise UnsafePathError(path, "'..' is not allowed: paths must stay inside the workspace")
    folded = name.casefold()
    if folded in CONTROL_DIRS or folded.rstrip(". ") in CONTROL_DIRS:
        raise UnsafePathError(path, f"'{name}' is a control folder that must not be written")
    if name != name.rstrip(". "):
        raise UnsafePathError(path, f"the name {name!r} ends with a dot or a space")
    if name != name.lstrip(" "):
        raise UnsafePathError(path, f"the name {name!r} starts with a space")
    for char in name:
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            raise UnsafePathError(
                path, f"the name {name!r} contains an invisible or control character"
            )
        if char in _FORBIDDEN_CHARS:
            raise UnsafePathError(path, f"the name {name!r} contains the character {char!r}")
    if folded.split(".", 1)[0].rstrip(" ") in _DEVICE_NAMES:
        raise UnsafePathError(path, f"'{name}' is a device name")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise UnsafePathError(path, f"a name is longer than {MAX_NAME_BYTES} bytes")
