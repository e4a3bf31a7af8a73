"""Recognising file paths in LLM replies and refusing unsafe ones, without touching the disk.

These checks run before a reply is accepted so that a bad path can be quoted back to the model in
a re-ask. They do not replace the core's safe writer, which checks again against the real folder
(symlinks, existing directories, sizes) when a file is written.
"""

from __future__ import annotations

import re

#: Folders the LLM must not write into, besides the core's control folders (case-insensitive).
CONTROL_FOLDERS = frozenset(
    {
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "node_modules",
        "site-packages",
    }
)

#: Files that are pytest configuration whatever they hold (compared case-insensitively).
PYTEST_CONFIG_NAMES = frozenset({"conftest.py", "pytest.ini", ".pytest.ini"})

#: File extensions that make a bare word (no slash) count as a path.
KNOWN_EXTENSIONS = frozenset(
    {
        "py",
        "pyi",
        "pyx",
        "md",
        "markdown",
        "rst",
        "txt",
        "toml",
        "cfg",
        "ini",
        "json",
        "yaml",
        "yml",
        "csv",
        "tsv",
        "sh",
        "bash",
        "ps1",
        "bat",
        "js",
        "mjs",
        "cjs",
        "ts",
        "tsx",
        "jsx",
        "html",
        "htm",
        "css",
        "scss",
        "xml",
        "sql",
        "go",
        "rs",
        "java",
        "kt",
        "c",
        "h",
        "cc",
        "cpp",
        "hpp",
        "cs",
        "rb",
        "php",
        "swift",
        "lock",
        "env",
        "j2",
        "jinja",
        "tmpl",
        "in",
        "typed",
        "gitignore",
        "dockerignore",
        "editorconfig",
    }
)

#: File names without an extension that still count as paths.
KNOWN_BARE_NAMES = frozenset(
    {"Makefile", "Dockerfile", "LICENSE", "README", "Procfile", "Justfile", "Gemfile", "Rakefile"}
)

_PATH_CHARS = re.compile(r"^[\w.\-/~:\\@+]+$")
_EDGE_JUNK = "`'\"*_[](){}<>,;!?"
_TRAILING_JUNK = _EDGE_JUNK + ".:"  # a sentence's full stop or a label's colon, at the end only
MAX_PATH_CHARS = 400


def clean_path_token(token: str) -> str:
    """A path as written in prose, with quotes, Markdown emphasis, trailing punctuation and a
    leading ``./`` removed and backslashes turned into slashes. Unsafe parts are kept (so they can
    be refused by :func:`path_problem`)."""
    start, end = 0, len(token)
    while start < end and (token[start] in _EDGE_JUNK or token[start].isspace()):
        start += 1
    while end > start and (token[end - 1] in _TRAILING_JUNK or token[end - 1].isspace()):
        end -= 1
    value = token[start:end].replace("\\", "/")
    value = re.sub(r"/{2,}", "/", value)
    start = 0
    while value.startswith("./", start):
        start += 2
    return value[start:]


def looks_like_path(token: str) -> bool:
    """Whether a cleaned token reads as a file path: no spaces, path characters only, and either a
    slash or a known extension / file name (``os.path`` or ``e.g`` are not paths; ``x.py`` is)."""
    if not token or len(token) > MAX_PATH_CHARS or not _PATH_CHARS.match(token):
        return False
    if token.startswith(("http:", "https:", "mailto:")) or "://" in token:
        return False
    name = token.rstrip("/").rsplit("/", 1)[-1]
    if "/" in token:
        return any(ch.isalnum() for ch in token)
    if name in KNOWN_BARE_NAMES:
        return True
    stem, dot, ext = name.rpartition(".")
    return bool(dot) and ext.lower() in KNOWN_EXTENSIONS and (bool(stem) or name.startswith("."))


def path_problem(path: str) -> str | None:
    """Why ``path`` must not be written, or None when it is a plain relative file path.

    Applies the core's rules (:func:`autobyteus_core.workspace.path_rules.split_relative_path`:
    absolute paths, ``..``, control folders, device names, a trailing slash...; and the control
    files autobyteus reads its settings from, ``.env`` and ``autobyteus.toml``) and also refuses
    caches and dependency folders (``__pycache__``, ``node_modules``, ``site-packages``...) and
    pytest configuration files: this is the check of paths an implementation reply names.
    """
    from autobyteus_core import UnsafePathError, control_name_problem, split_relative_path

    try:
        parts = split_relative_path(path)
    except UnsafePathError as exc:
        return exc.reason
    for part in parts:
        if part.casefold() in CONTROL_FOLDERS:
            return f"'{part}' is a folder that generated files must not go into"
    return control_name_problem(parts) or pytest_config_name_problem(parts[-1])


def pytest_config_name_problem(path: str) -> str | None:
    """Why an implementation reply may not write ``path`` by its name alone, or None."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    if name.casefold() in PYTEST_CONFIG_NAMES:
        return (
            f"'{name}' is pytest configuration, which implementation replies may not write "
            "(it could change how the tests are judged)"
        )
    return None


def normalise_path(path: str) -> str:
    """A relative path in canonical form: slashes, no ``.`` or empty components."""
    parts = [part for part in path.replace("\\", "/").split("/") if part not in ("", ".")]
    return "/".join(parts)


def same_file(hint: str, expected: str) -> bool:
    """Whether a path named in a reply (``hint``) designates ``expected``: equal, or a suffix of it
    on a component boundary (``counter.py`` designates ``wordfreq/counter.py``)."""
    hint_n = normalise_path(hint)
    expected_n = normalise_path(expected)
    if not hint_n:
        return False
    return expected_n == hint_n or expected_n.endswith("/" + hint_n)


def module_name(path: str) -> str | None:
    """The dotted module name of a Python file path (``pkg/sub/x.py`` → ``pkg.sub.x``;
    ``pkg/__init__.py`` → ``pkg``), or None for other files and non-identifier parts."""
    norm = normalise_path(path)
    if not norm.endswith(".py"):
        return None
    parts = norm[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


_PY_END = re.compile(r"\.py\b")


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def named_python_paths(text: str) -> set[str]:
    """Every stretch of ``text`` that may name a Python file: it ends in ``.py`` (not ``.pyc``),
    holds no white space, and is not preceded by a word character or ``/`` (so ``pkg/a.py``
    names ``pkg/a.py`` and not ``a.py``, while ``(a.py)`` and ``x-a.py`` both name ``a.py``).
    Which of them are files is for the caller to check."""
    found: set[str] = set()
    for match in _PY_END.finditer(text):
        end = match.end()
        start = match.start()
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        for begin in range(start, match.start()):
            before = text[begin - 1] if begin > start else ""
            if before != "/" and not _is_word_char(before):
                found.add(text[begin:end])
    return found
