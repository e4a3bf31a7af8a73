"""The python workspace type's repository map: each module's classes and functions, read by ``ast``.

Sources are parsed, never imported or run. A module's outline has its classes (with their bases
and annotated fields), functions and methods, each with its signature and the first line of its
docstring; names starting with one underscore are left out (dunder methods stay: ``__init__``
is how a class is built). A module that does not parse is listed with a note saying where.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator, Mapping

from autobyteus_core.workspace.repo_map import MapEntry

#: The longest signature or docstring line kept (a default value can be a page of literal).
MAX_LINE_CHARS = 160


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LINE_CHARS else text[: MAX_LINE_CHARS - 3] + "..."


def _summary(node: ast.AST) -> str:
    """The first line of ``node``'s docstring, or empty."""
    doc = ast.get_docstring(node) if isinstance(node, _DOCUMENTED) else None
    lines = (doc or "").strip().splitlines()
    return _clip(lines[0]) if lines else ""


_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _shown(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _with_summary(line: str, node: ast.AST) -> str:
    summary = _summary(node)
    return f"{line}  # {summary}" if summary else line


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return _clip(f"{prefix} {node.name}({ast.unparse(node.args)}){returns}")


def _class(node: ast.ClassDef) -> str:
    bases = [ast.unparse(base) for base in node.bases] + [
        ast.unparse(keyword) for keyword in node.keywords
    ]
    return _clip(f"class {node.name}({', '.join(bases)})" if bases else f"class {node.name}")


def _outline(body: list[ast.stmt], depth: int) -> Iterator[str]:
    indent = "  " * depth
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _shown(node.name):
            yield indent + _with_summary(_function(node), node)
        elif isinstance(node, ast.ClassDef) and _shown(node.name):
            yield indent + _with_summary(_class(node), node)
            yield from _fields(node.body, depth + 1)
            yield from _outline(node.body, depth + 1)


def _fields(body: list[ast.stmt], depth: int) -> Iterator[str]:
    """A class's annotated attributes (dataclass and pydantic fields), one line."""
    names = [
        f"{node.target.id}: {ast.unparse(node.annotation)}"
        for node in body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and _shown(node.target.id)
    ]
    if names:
        yield "  " * depth + _clip(", ".join(names))


def _defined(tree: ast.Module) -> tuple[str, ...]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
    return tuple(dict.fromkeys(names))


def module_name(path: str, source_dir: str) -> str | None:
    """The dotted name ``path`` is imported by from ``source_dir`` (``pkg/__init__.py`` →
    ``pkg``); None for a path outside it or one that is not a module."""
    prefix = source_dir.strip("/").removeprefix("./").strip(".")
    inner = path
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        inner = path[len(prefix) + 1 :]
    if not inner.endswith(".py"):
        return None
    parts = inner[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


def _imported(tree: ast.Module, module: str, is_package: bool) -> Iterator[str]:
    """Every dotted name ``tree`` imports, relative imports made absolute."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if module else []
                keep = len(parts) - node.level + (1 if is_package else 0)
                if keep < 0:
                    continue
                base = ".".join([*parts[:keep], *([base] if base else [])])
            # ``pkg.name`` resolves to the module ``name`` when it is one, else to ``pkg``
            for alias in node.names:
                yield f"{base}.{alias.name}" if base else alias.name


def _resolve(names: Iterator[str], modules: Mapping[str, str]) -> tuple[str, ...]:
    """The workspace paths of the modules ``names`` are (or are in), longest match first."""
    paths: list[str] = []
    for name in names:
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            path = modules.get(".".join(parts[:end]))
            if path is not None:
                paths.append(path)
                break
    return tuple(dict.fromkeys(paths))


def _module_of(path: str, source_dir: str) -> str | None:
    """The module name of ``path``: from the source folder, else from the root (tests)."""
    name = module_name(path, source_dir)
    return name if name is not None else module_name(path, ".")


def _parse(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():  # an invalid escape in the project's code is not ours to report
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


def python_repo_map(sources: Mapping[str, str], source_dir: str) -> list[MapEntry]:
    """An outline of every Python module of ``sources`` (see the module docstring)."""
    modules: dict[str, str] = {}
    for path in sources:
        name = _module_of(path, source_dir)
        if name is not None:
            modules.setdefault(name, path)
    entries = []
    for path, text in sources.items():
        if not path.endswith(".py"):
            continue
        try:
            tree = _parse(text, path)
        except SyntaxError as exc:
            entries.append(MapEntry(path, note=f"does not parse: line {exc.lineno}: {exc.msg}"))
            continue
        except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
            entries.append(MapEntry(path, note=f"does not parse: {type(exc).__name__}"))
            continue
        module = _module_of(path, source_dir) or ""
        imports = _imported(tree, module, path.rsplit("/", 1)[-1] == "__init__.py")
        entries.append(
            MapEntry(
                path,
                summary=_summary(tree),
                outline=tuple(_outline(tree.body, 1)),
                names=_defined(tree),
                imports=tuple(p for p in _resolve(imports, modules) if p != path),
            )
        )
    return entries
