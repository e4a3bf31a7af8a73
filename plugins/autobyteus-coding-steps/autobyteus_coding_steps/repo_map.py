"""The map of the existing project that the requirement, plan and implementation prompts show.

The workspace type's map builder (``WorkspaceType.repo_map_builder``; the python type's reads
each module with ``ast``) outlines the project's source files. The entries are ranked by what
the prompt is about: files whose paths, module names or defined names the requirement and the
subtask mention first (most mentions first), then the files those import, then the rest in
tree order. The map is then cut to ``repo_map_tokens``, counted as the core estimates prompt
tokens (four characters a token): whole entries while they fit, then paths alone, then a line
saying how many files are left out. A type without a builder gets the plain file tree, cut to
the same budget. An empty workspace has no map (the prompt gets no section for it).

A run maps its workspace once, as it was before the run wrote anything, and keeps that map in its
state: every prompt of the run, and of its resumption, then shows the same map. Mapping the
workspace as it is at each prompt made a resumed run's prompts differ from the answered ones (the
files written before the kill were in the map), so resuming paid for those calls again; the
files the run writes reach its prompts as related files instead.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from autobyteus_coding_steps.workspace_files import resolved
from autobyteus_core import (
    CHARS_PER_TOKEN,
    AutobyteusError,
    MapEntry,
    WorkspaceError,
    control_name_problem,
    estimate_tokens,
)

if TYPE_CHECKING:
    from autobyteus_core import TreeEntry, WorkflowContext, WorkspaceSetting

#: Folders of tools' caches and build output, never mapped (the walker already skips control
#: folders, virtual environments, ``__pycache__`` and what ``.gitignore`` ignores).
CACHE_DIRS = frozenset(
    {".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", ".tox", ".nox", ".eggs",
     "node_modules", "htmlcov"}
)  # fmt: skip
#: A source file larger than this is listed by its path, not read (generated or vendored code).
MAX_SOURCE_BYTES = 200_000
#: At most this many source files are read; the others are listed by their paths.
MAX_SOURCES = 1_000

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def mapped_entries(workspace: WorkspaceSetting) -> list[TreeEntry]:
    """The workspace's files and folders in tree order, without caches, build output and the
    files autobyteus reads its own settings and prompts from (they are not the project)."""
    own = workspace.writer.control_files.extra
    return [
        entry
        for entry in workspace.entries()
        if not any(
            part in CACHE_DIRS or part.endswith(".egg-info") for part in entry.path.split("/")
        )
        and control_name_problem(tuple(entry.path.split("/"))) is None
        and entry.path.casefold() not in own
    ]


def plain_tree(entries: Sequence[TreeEntry]) -> str:
    """``entries`` as an indented listing (folders end with ``/``)."""
    return "\n".join(
        "  " * e.depth + e.path.rsplit("/", 1)[-1] + ("/" if e.is_dir else "") for e in entries
    )


#: What :func:`source_text` returns for a file over :data:`MAX_SOURCE_BYTES`.
TOO_LARGE = "(too large)"


def source_text(workspace: WorkspaceSetting, path: str) -> str | None:
    """The text of the regular workspace file ``path``, :data:`TOO_LARGE` when it is larger
    than :data:`MAX_SOURCE_BYTES` (its size is looked at before anything is read), None when
    it cannot be read or the safe writer would refuse its path (a link leaving the workspace)."""
    try:
        target = resolved(workspace, path)
        info = target.stat()
    except (OSError, WorkspaceError):
        return None
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read
        return None
    if info.st_size > MAX_SOURCE_BYTES:
        return TOO_LARGE
    try:
        return target.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


@dataclass(frozen=True)
class ProjectMap:
    """A project's map before ranking: the builder's entries, or the plain tree without one."""

    entries: tuple[MapEntry, ...] = ()
    tree: str = ""

    def render(self, query: str, max_tokens: int, exclude: Iterable[str] = ()) -> str:
        """The map for a prompt about ``query``, within ``max_tokens``, without the files
        ``exclude`` names (the prompt shows them whole); empty when nothing fits."""
        if not self.entries:
            lines = self.tree.splitlines()
            return fit_blocks([[line] for line in lines], max_tokens, "line") if lines else ""
        skipped = set(exclude)
        kept = [entry for entry in self.entries if entry.path not in skipped]
        return fit_blocks([entry_lines(e) for e in rank(kept, query)], max_tokens, "file")


#: Where a run keeps its map: ``state.data[STATE_KEY][MAP_KEY]`` (the plugin's room).
MAP_KEY = "repo_map"


def run_project_map(context: WorkflowContext) -> ProjectMap:
    """The map of the workspace as it was when the run first mapped it (built then and kept in
    the run's state; see the module docstring)."""
    from autobyteus_coding_steps.progress import STATE_KEY

    room: dict[str, Any] = context.state.data.setdefault(STATE_KEY, {})
    kept = _stored_map(room.get(MAP_KEY))
    if kept is None:
        kept = build_project_map(context)
        room[MAP_KEY] = {"tree": kept.tree, "entries": [asdict(e) for e in kept.entries]}
    return kept


def _stored_map(stored: object) -> ProjectMap | None:
    """The map :func:`run_project_map` kept, or None when there is none or it does not read."""
    if not isinstance(stored, dict) or not isinstance(stored.get("tree"), str):
        return None
    try:
        entries = tuple(
            MapEntry(**{k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()})
            for entry in stored.get("entries", [])
        )
    except (TypeError, AttributeError):  # a state.json edited by hand: map the workspace again
        return None
    return ProjectMap(entries=entries, tree=stored["tree"])


def build_project_map(context: WorkflowContext) -> ProjectMap:
    """The map of ``context``'s workspace as it is now (see the module docstring)."""
    workspace = context.workspace
    listed = mapped_entries(workspace)
    files = [entry.path for entry in listed if not entry.is_dir]
    if not files:
        return ProjectMap()
    kind = workspace.workspace_type
    try:
        builder = kind.map_builder() if kind is not None else None
    except AutobyteusError as exc:
        context.log.warning("the workspace type's map builder is not usable", error=str(exc))
        builder = None
    if builder is None:
        return ProjectMap(tree=plain_tree(listed))
    extensions = tuple(kind.file_extensions) if kind is not None else ()
    sources: dict[str, str] = {}
    large: set[str] = set()
    for path in files:
        if (extensions and not path.endswith(extensions)) or len(sources) >= MAX_SOURCES:
            continue
        text = source_text(workspace, path)
        if text is TOO_LARGE:
            large.add(path)
        elif text is not None:
            sources[path] = text
    try:
        built = {entry.path: entry for entry in builder(sources, workspace.source_dir)}
    except Exception as exc:  # a plugin's builder failing costs the map, never the run
        context.log.warning("the workspace type's map builder failed", error=repr(exc))
        return ProjectMap(tree=plain_tree(listed))
    entries = [
        built.get(path) or MapEntry(path, note="large file, not read" if path in large else "")
        for path in files
    ]
    return ProjectMap(entries=tuple(entries))


def _mention_forms(path: str) -> tuple[list[str], str]:
    """How text names the file ``path``: its path forms (with and without the extension, and
    the dotted module names of its trailing parts) and its bare stem."""
    without = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    parts = without.split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    forms = [path, without] + [".".join(parts[start:]) for start in range(len(parts) - 1)]
    stem = parts[-1] if parts[-1] != "__init__" else ""
    return list(dict.fromkeys(forms)), stem


def _mentioned(form: str, text: str) -> bool:
    return re.search(rf"(?<![\w./-]){re.escape(form)}(?![\w/-])", text) is not None


def relevance(entry: MapEntry, text: str, words: set[str]) -> int:
    """How much ``text`` (whose identifiers are ``words``) is about ``entry``: its path or
    module named counts 3, its file name as a word 2, each name it defines 1."""
    forms, stem = _mention_forms(entry.path)
    score = 3 * sum(1 for form in forms if _mentioned(form, text))
    score += 2 if len(stem) >= 3 and stem in words else 0
    return score + sum(1 for name in entry.names if name in words)


def rank(entries: Sequence[MapEntry], query: str) -> list[MapEntry]:
    """``entries`` by relevance to ``query``: the ones it mentions (most first), then the files
    those import, then the rest, each group in its given order."""
    words = set(_WORD.findall(query))
    scores = {entry.path: relevance(entry, query, words) for entry in entries}
    mentioned = sorted(
        (e for e in entries if scores[e.path]), key=lambda e: -scores[e.path]
    )  # sorted() is stable: equal scores keep the tree order
    imported = {path for entry in mentioned for path in entry.imports}
    near = [e for e in entries if not scores[e.path] and e.path in imported]
    rest = [e for e in entries if not scores[e.path] and e.path not in imported]
    return [*mentioned, *near, *rest]


def entry_lines(entry: MapEntry) -> list[str]:
    """``entry`` as map lines: its path (with its summary or note), then its outline."""
    head = entry.path
    if entry.note:
        head += f"  ({entry.note})"
    elif entry.summary:
        head += f"  # {entry.summary}"
    return [head, *entry.outline]


def _left_out(count: int, what: str) -> str:
    return f"... ({count} more {what}{'s' if count != 1 else ''} not shown)"


def fit_blocks(blocks: Sequence[Sequence[str]], max_tokens: int, what: str) -> str:
    """As many whole ``blocks`` of lines as ``max_tokens`` allow, then their first lines alone,
    then a line counting the blocks (``what``: ``file``, ``line``) left out; empty when not even
    the first block's first line fits."""
    text = "\n".join(line for block in blocks for line in block)
    if estimate_tokens(text) <= max_tokens:
        return text
    # The characters the estimate allows, less the closing line and its newline.
    room = max_tokens * CHARS_PER_TOKEN + CHARS_PER_TOKEN - 1
    room -= len(_left_out(len(blocks), what)) + 1
    lines: list[str] = []
    used = -1  # the first line has no newline before it
    shown = 0
    for block in blocks:
        kept = list(block)
        if used + sum(len(line) + 1 for line in kept) > room:
            kept = kept[:1]
        cost = sum(len(line) + 1 for line in kept)
        if not kept or used + cost > room:
            break
        lines += kept
        used += cost
        shown += 1
    if not lines:
        return ""
    return "\n".join([*lines, _left_out(len(blocks) - shown, what)])
