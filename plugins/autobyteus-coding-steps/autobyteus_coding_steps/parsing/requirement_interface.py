"""What a user's requirement fixes about the code: the Python files it names, the names it gives
as ``package.Name`` (or ``from package import Name``), the signatures it gives for the functions
and classes of a named file, and the modules it runs as ``python -m module``. The plan, the
package files and the checks before the tests follow them."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass

from autobyteus_coding_steps.parsing.paths import (
    KNOWN_EXTENSIONS,
    clean_path_token,
    looks_like_path,
)

_TICKED = re.compile(r"`([^`\n]+)`")
_DOTTED = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(.*\))?$")
_FROM_IMPORT = re.compile(
    r"\bfrom\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s+import\s+\(?\s*(\w+(?:\s*,\s*\w+)*)"
)
_COMMAND = re.compile(r"\bpython(?:3(?:\.\d+)?)?\s+-m\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
_TEST_FILE = re.compile(r"(?:^|/)(?:test_[^/]*|[^/]*_test\.py|conftest\.py)$|^tests?/")
_INIT = re.compile(r"`((?:[A-Za-z_]\w*/)*[A-Za-z_]\w*)/__init__\.py`")
_EXPORTS = re.compile(r"\b(?:re-?)?exports?\b", re.IGNORECASE)
_ITEM = re.compile(r"\n(?=[ \t]*(?:[-*+]|\d+[.)])[ \t])|\n[ \t]*\n")
#: "`pkg/mod.py` defines `A(...)`, `b()` and `C`": the path, then the ticked list.
_DEFINES = re.compile(
    r"`([^`\n]+\.py)`\s+defines\s+((?:`[^`\n]+`(?:\s*,\s*(?:and\s+)?|\s+and\s+)?)+)"
)
_DEFINED_NAME = re.compile(r"^([A-Za-z_]\w*)(?:\(.*\))?(?:\s*->\s*.+)?$", re.DOTALL)
_SIGNATURE = re.compile(r"^([A-Za-z_]\w*)\((.*)\)(?:\s*->\s*.+)?$", re.DOTALL)


@dataclass(frozen=True)
class StatedSignature:
    """``name(params)`` as the requirement gives it for a top-level function or class of the
    Python file ``path``, with the calls any such signature allows."""

    path: str
    name: str
    params: str
    #: Positional arguments a call may leave out / must give at most, and keyword-only names.
    required: int
    positional: int
    keywords: tuple[str, ...]

    @property
    def shown(self) -> str:
        """``name(params)`` as the requirement writes it."""
        return f"{self.name}({self.params})"


@dataclass(frozen=True)
class RequirementInterface:
    """The interface a requirement spells out (see the module docstring)."""

    #: Python files named in backticks, in the order first named (test files and
    #: ``__init__.py`` left out: the tests are generated later, package files with the
    #: package's re-exports).
    files: tuple[str, ...] = ()
    #: Dotted names given as code (``wordfreq.top_words``), each a module path then a name.
    names: tuple[str, ...] = ()
    #: Modules run as ``python -m <module>``.
    commands: tuple[str, ...] = ()
    #: The names of ``names`` a package's ``__init__.py`` is said to (re-)export: each one the
    #: package's own name even where a module of the package has the same name.
    exports: tuple[str, ...] = ()
    #: Signatures given for what a named file defines (``main(argv: list[str] | None = None)``).
    signatures: tuple[StatedSignature, ...] = ()
    #: ``(path, name)`` for each name ticked in the list right after "`path` defines".
    definitions: tuple[tuple[str, str], ...] = ()

    @property
    def single_file(self) -> str | None:
        """The one Python file of a one-file requirement (it names exactly one and runs no
        package as a command), else None."""
        if len(self.files) != 1:
            return None
        stem = self.files[0][:-3].replace("/", ".")
        return self.files[0] if all(command == stem for command in self.commands) else None


def requirement_interface(text: str) -> RequirementInterface:
    """The :class:`RequirementInterface` of the requirement ``text``."""
    files: list[str] = []
    names: list[str] = []
    for raw in _TICKED.findall(text):
        token = clean_path_token(raw)
        if token.endswith(".py") and looks_like_path(token):
            if not _TEST_FILE.search(token) and not token.endswith("__init__.py"):
                files.append(token)
            continue
        dotted = _DOTTED.match(raw.strip())
        if dotted and dotted.group(1).rsplit(".", 1)[1].lower() not in KNOWN_EXTENSIONS:
            names.append(dotted.group(1))
    for module, imported in _FROM_IMPORT.findall(text):
        names += [f"{module}.{name.strip()}" for name in imported.split(",")]
    exports = _init_exports(text)
    names += exports
    return RequirementInterface(
        files=tuple(dict.fromkeys(files)),
        names=tuple(dict.fromkeys(names)),
        commands=tuple(dict.fromkeys(_COMMAND.findall(text))),
        exports=tuple(dict.fromkeys(exports)),
        signatures=tuple(_signatures(text)),
        definitions=tuple(dict.fromkeys(_definitions(text))),
    )


def _definitions(text: str) -> list[tuple[str, str]]:
    """``(path, name)`` for each name in the ticked list right after "`path` defines" (its
    signature or bare name: `IniSyntaxError(ValueError)`, `Money`), in a list item or paragraph."""
    found: list[tuple[str, str]] = []
    for match in _DEFINES.finditer(text):
        path = clean_path_token(match.group(1))
        if not looks_like_path(path) or _TEST_FILE.search(path):
            continue
        for raw in _TICKED.findall(match.group(2)):
            name = _DEFINED_NAME.match(raw.strip())
            if name is not None:
                found.append((path, name.group(1)))
    return found


def _signatures(text: str) -> list[StatedSignature]:
    """Each ``name(params)`` ticked after a ticked Python file in the same list item or
    paragraph (a nested item, such as a class's methods, is its own item and names no file),
    whose parameters parse as a ``def``'s: ``main(argv: list[str] | None = None) -> int``, not
    an example call such as ``tokenize("2*3")``."""
    found: list[StatedSignature] = []
    for item in _ITEM.split(text):
        path = None
        for raw in _TICKED.findall(item):
            token = clean_path_token(raw)
            if token.endswith(".py") and looks_like_path(token):
                path = None if _TEST_FILE.search(token) else token
                continue
            match = _SIGNATURE.match(raw.strip())
            if path is None or match is None:
                continue
            stated = _stated(path, match.group(1), match.group(2).strip())
            if stated is not None and stated not in found:
                found.append(stated)
    return found


def _stated(path: str, name: str, params: str) -> StatedSignature | None:
    try:
        tree = ast.parse(f"def _({params}): pass")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    arguments = function.args
    if arguments.vararg or arguments.kwarg:
        return None  # ``*args`` accepts any count: nothing to check
    positional = [*arguments.posonlyargs, *arguments.args]
    if positional and all(a.arg[:1].isupper() and a.annotation is None for a in positional):
        return None  # ``IniSyntaxError(ValueError)``: a class and its base, not a call
    if positional and positional[0].arg in ("self", "cls"):
        positional = positional[1:]
    keywords = tuple(
        a.arg for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d is None
    )
    return StatedSignature(
        path=path,
        name=name,
        params=params,
        required=len(positional) - len(arguments.defaults),
        positional=len(positional),
        keywords=keywords,
    )


def _init_exports(text: str) -> list[str]:
    """``package.name`` for each name ticked in a list item or paragraph that names
    ``package/__init__.py`` and says it (re-)exports them; when it ticks none ("re-exports
    both"), each function or class whose signature the requirement gives for a module of the
    package."""
    found: list[str] = []
    for item in _ITEM.split(text):
        init = _INIT.search(item)
        if init is None or not _EXPORTS.search(item):
            continue
        package = init.group(1).replace("/", ".")
        named = [raw for raw in _TICKED.findall(item[init.end() :]) if raw.isidentifier()]
        if not named:
            folder = f"{init.group(1)}/"
            named = [
                stated.name
                for stated in _signatures(text)
                if stated.path.startswith(folder) and not stated.path.endswith("/__main__.py")
            ]
        found += [f"{package}.{name}" for name in named]
    return found


def asks_only_exports(text: str, init: str) -> bool:
    """Whether the requirement ``text`` asks nothing of the package file ``init`` (a path ending
    in ``__init__.py``) but re-exports: every list item or paragraph naming it says it
    (re-)exports, as the package files written from the requirement's names do."""
    return all(_EXPORTS.search(item) for item in _ITEM.split(text) if f"`{init}`" in item)


def public_api(
    names: tuple[str, ...], modules: Mapping[str, str], exports: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """``(module, name)`` for each dotted name whose longest module prefix is one of the
    project's ``modules`` (dotted name → path) and that names something inside it: what a user
    imports as ``from module import name``. A name that is itself a module names that module,
    unless ``exports`` has it (``calc.evaluate`` re-exported from ``calc/evaluate.py``). Names
    of other libraries are left out."""
    found: list[tuple[str, str]] = []
    for dotted in names:
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in modules:
                pair = (module, parts[cut])
                submodule = f"{module}.{parts[cut]}" in modules and dotted not in exports
                if not submodule and pair not in found:
                    found.append(pair)
                break
    return found
