"""Reading a batch spec: a folder of requirement files, or a JSONL file of items."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autobyteus_core.errors import AutobyteusError

#: Requirement files a folder spec reads.
REQUIREMENT_SUFFIXES = (".md", ".txt")
#: Keys an item of a JSONL spec may have.
ITEM_KEYS = frozenset({"id", "requirement", "requirement_file", "workspace", "model", "settings"})

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,89}$")


class SpecError(AutobyteusError):
    """The spec as a whole cannot be read (a missing path, no items, duplicate ids)."""


@dataclass
class SpecItem:
    """One item of a spec: its requirement, or the error that makes it unrunnable.

    ``workspace`` is None for the default ``<out>/<id>/``; ``settings`` overrides the item's
    core settings (``max_concurrency``, ``budget_tokens``...) and, in an object named for a
    plugin's namespace, that plugin's (:mod:`.item_settings`).
    """

    id: str
    requirement: str | None = None
    workspace: Path | None = None
    model: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def read_spec(path: Path) -> list[SpecItem]:
    """The items of the spec at ``path``. Problems with one item are that item's ``error``;
    only a spec that cannot be read at all raises :class:`SpecError`."""
    if path.is_dir():
        items = _folder_items(path)
    elif path.is_file():
        items = _jsonl_items(path)
    else:
        raise SpecError(f"no spec at {path}: give a folder of requirement files or a .jsonl file")
    if not items:
        raise SpecError(
            f"{path} holds no items (a folder needs *.md or *.txt files, a JSONL file lines)"
        )
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise SpecError(f"{path}: item id {item.id!r} appears twice")
        seen.add(item.id)
    return items


def _folder_items(folder: Path) -> list[SpecItem]:
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in REQUIREMENT_SUFFIXES and p.is_file()
    )
    items = []
    for file in files:
        item = SpecItem(id=_id_from_stem(file.stem))
        item.requirement, item.error = _read_requirement(file)
        items.append(item)
    return items


def _id_from_stem(stem: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.") or "item"
    return cleaned[:90]


def _jsonl_items(spec: Path) -> list[SpecItem]:
    try:
        lines = spec.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {spec}: {exc}") from exc
    items = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            items.append(_jsonl_item(spec, number, line))
    return items


def _jsonl_item(spec: Path, number: int, line: str) -> SpecItem:
    fallback = f"line-{number}"
    try:
        data = json.loads(line)
    except ValueError as exc:
        return SpecItem(id=fallback, error=f"{spec.name} line {number} is not JSON: {exc}")
    if not isinstance(data, dict):
        return SpecItem(id=fallback, error=f"{spec.name} line {number} is not a JSON object")
    raw_id = data.get("id", fallback)
    if not isinstance(raw_id, str) or not _ID.match(raw_id) or ".." in raw_id:
        return SpecItem(
            id=fallback,
            error=f"{spec.name} line {number}: the id {raw_id!r} must be 1-90 letters, digits, "
            "'_', '-' or '.', starting with a letter or digit",
        )
    item = SpecItem(id=raw_id)
    item.error = _fill(item, data, spec.parent, f"{spec.name} line {number}")
    return item


def _fill(item: SpecItem, data: dict[str, Any], base: Path, where: str) -> str | None:
    """Set ``item``'s fields from ``data``; returns the first problem found, if any."""
    unknown = sorted(set(data) - ITEM_KEYS)
    if unknown:
        return f"{where}: unknown keys {', '.join(unknown)} (known: {', '.join(sorted(ITEM_KEYS))})"
    for key in ("requirement", "requirement_file", "workspace", "model"):
        if data.get(key) is not None and not isinstance(data[key], str):
            return f"{where}: '{key}' must be a string"
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        return f"{where}: 'settings' must be a JSON object"
    item.settings = settings
    item.model = data.get("model")
    if data.get("workspace"):
        item.workspace = (base / Path(data["workspace"]).expanduser()).absolute()
    text, file = data.get("requirement"), data.get("requirement_file")
    if (text is None) == (file is None):
        return f"{where}: give exactly one of 'requirement' and 'requirement_file'"
    if file is not None:
        text, error = _read_requirement(base / Path(file).expanduser())
        if error:
            return f"{where}: {error}"
    if not text or not text.strip():
        return f"{where}: the requirement is empty"
    item.requirement = text.strip()
    return None


def _read_requirement(file: Path) -> tuple[str | None, str | None]:
    """``(text, None)``, or ``(None, why it cannot be used)``."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, f"requirement file {file} is not UTF-8 text"
    except OSError as exc:
        return None, f"cannot read requirement file {file}: {exc.strerror or exc}"
    if not text.strip():
        return None, f"requirement file {file} is empty"
    return text.strip(), None
