"""The python workspace type's repository map: module outlines read by ``ast``, never run."""

from __future__ import annotations

import pytest

from autobyteus_core import (
    ConfigurationError,
    MapEntry,
    PluginLoadError,
    Register,
    WorkspaceType,
    hookimpl,
    python_repo_map,
    python_workspace,
)
from autobyteus_core.testing import RegisterPlugin

STORE = '''\
"""A small key-value store.

Longer prose that the map leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .codec import encode


@dataclass
class Item:
    """One stored value."""

    key: str
    value: bytes = b""
    _cache: int = 0


class Store(dict):
    """Values by key, encoded.

    The rest of this docstring is not in the map.
    """

    def __init__(self, path: str, *, limit: int = 10) -> None:
        self.path = path

    def get_item(self, key: str, default: Item | None = None) -> Item | None:
        """The item stored under ``key``."""
        return default

    def _helper(self) -> None:
        """Private: not in the map."""

    async def flush(self) -> int:
        return 0


def open_store(path: str) -> Store:
    """A store at ``path``."""

    def inner() -> None:
        """Nested: not in the map."""

    return Store(path)


def _private() -> None:
    pass
'''

CODEC = '''\
import json


def encode(value: object) -> bytes:
    """JSON bytes of ``value``."""
    return json.dumps(value).encode()
'''

CLI = """\
import sys

from kv import store
from kv.codec import encode as enc


def main(argv: list[str] | None = None) -> int:
    return 0
"""


def entries_by_path(sources: dict[str, str], source_dir: str = ".") -> dict[str, MapEntry]:
    return {entry.path: entry for entry in python_repo_map(sources, source_dir)}


def test_a_package_is_outlined_with_signatures_and_first_docstring_lines() -> None:
    entries = entries_by_path({"kv/__init__.py": "", "kv/store.py": STORE, "kv/codec.py": CODEC})
    store = entries["kv/store.py"]
    assert store.summary == "A small key-value store."
    assert store.outline == (
        "  class Item  # One stored value.",
        "    key: str, value: bytes",
        "  class Store(dict)  # Values by key, encoded.",
        "    def __init__(self, path: str, *, limit: int=10) -> None",
        "    def get_item(self, key: str, default: Item | None=None) -> Item | None  # The item "
        "stored under ``key``.",
        "    async def flush(self) -> int",
        "  def open_store(path: str) -> Store  # A store at ``path``.",
    )
    assert {"Item", "Store", "get_item", "open_store"} <= set(store.names)
    assert entries["kv/codec.py"].outline == (
        "  def encode(value: object) -> bytes  # JSON bytes of ``value``.",
    )
    assert entries["kv/__init__.py"].outline == ()


def test_imports_are_resolved_to_workspace_files_relative_ones_too() -> None:
    sources = {"kv/__init__.py": "", "kv/store.py": STORE, "kv/codec.py": CODEC, "kv/cli.py": CLI}
    entries = entries_by_path(sources)
    assert entries["kv/store.py"].imports == ("kv/codec.py",)  # from .codec import encode
    assert set(entries["kv/cli.py"].imports) == {"kv/store.py", "kv/codec.py"}
    assert entries["kv/codec.py"].imports == ()  # json is not in the workspace
    # in a package's __init__.py, "." is the package itself
    package = entries_by_path({"kv/__init__.py": "from .codec import encode\n", "kv/codec.py": ""})
    assert package["kv/__init__.py"].imports == ("kv/codec.py",)


def test_a_src_layout_resolves_from_the_source_folder() -> None:
    sources = {"src/kv/__init__.py": "", "src/kv/store.py": STORE, "src/kv/cli.py": CLI}
    sources["src/kv/codec.py"] = CODEC
    entries = entries_by_path(sources, "src")
    assert set(entries["src/kv/cli.py"].imports) == {"src/kv/store.py", "src/kv/codec.py"}
    # a name the package itself defines: the import is of its __init__.py
    (entry,) = python_repo_map({"kv/__init__.py": "", "a.py": "from kv import VERSION\n"}, ".")[1:]
    assert entry.imports == ("kv/__init__.py",)


def test_a_file_that_does_not_parse_is_listed_with_a_note() -> None:
    entries = entries_by_path(
        {"kv/broken.py": "def ok():\n    pass\n\ndef broken(:\n", "kv/nul.py": "x = 1\0"}
    )
    assert entries["kv/broken.py"].note.startswith("does not parse: line 4")
    assert entries["kv/broken.py"].outline == ()
    assert entries["kv/nul.py"].note.startswith("does not parse")


def test_the_code_is_never_run(tmp_path) -> None:
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').write('x')\nraise SystemExit(3)\n\ndef f() -> None: ...\n"
    (entry,) = python_repo_map({"evil.py": source}, ".")
    assert entry.outline == ("  def f() -> None",)
    assert not marker.exists()


def test_long_signatures_and_docstrings_are_clipped() -> None:
    source = f'def f(x=[{", ".join(["1"] * 200)}]):\n    """{"word " * 100}"""\n'
    (entry,) = python_repo_map({"big.py": source}, ".")
    (line,) = entry.outline
    assert len(line) < 400 and "..." in line


def test_the_python_type_names_the_ast_builder() -> None:
    assert python_workspace().map_builder() is python_repo_map


def test_a_builder_path_is_checked_when_the_type_is_made_and_when_it_is_imported() -> None:
    with pytest.raises(ValueError, match=r"package\.module:function"):
        WorkspaceType(name="x", repo_map_builder="not a path")
    missing = WorkspaceType(name="x", repo_map_builder="no_such_module_here:build")
    with pytest.raises(ConfigurationError, match="cannot import its repo_map_builder"):
        missing.map_builder()
    not_callable = WorkspaceType(name="x", repo_map_builder="autobyteus_core:PROJECT_NAME")
    with pytest.raises(ConfigurationError, match="is not callable"):
        not_callable.map_builder()
    assert WorkspaceType(name="x").map_builder() is None


class _WrongBuilderPlugin:
    """A plugin whose workspace type names a map builder that does not exist."""

    @hookimpl
    def register_workspace_settings(self, register: Register[WorkspaceType]) -> None:
        register(WorkspaceType(name="wrong", repo_map_builder="no_such_module_here:build"))


def test_loading_everything_fails_a_plugin_whose_map_builder_cannot_be_imported(
    register_plugin: RegisterPlugin,
) -> None:
    with pytest.raises(PluginLoadError, match="cannot import its repo_map_builder"):
        register_plugin(_WrongBuilderPlugin(), "wrong")
