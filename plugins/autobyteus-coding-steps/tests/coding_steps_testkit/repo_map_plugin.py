"""A plugin with a workspace type of its own and its own map builder, for ``test_repo_map``
(imported by import path, like a third party's; not a test module)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from autobyteus_core import Deferred, MapEntry, WorkspaceType, hookimpl


def notes_workspace() -> WorkspaceType:
    """A project of ``.note`` files, marked by a ``notes.cfg``."""
    return WorkspaceType(
        name="notes",
        detect_files=("notes.cfg",),
        priority=50,
        file_extensions=(".note",),
        repo_map_builder="coding_steps_testkit.repo_map_plugin:outline_notes",
    )


def outline_notes(sources: Mapping[str, str], source_dir: str) -> list[MapEntry]:
    """Each note's heading lines (``= title``) as its outline."""
    return [
        MapEntry(
            path,
            outline=tuple(
                f"  heading {line[1:].strip()}"
                for line in text.splitlines()
                if line.startswith("=")
            ),
        )
        for path, text in sources.items()
    ]


def plain_workspace() -> WorkspaceType:
    """A project type without a map builder, marked by a ``plain.cfg``."""
    return WorkspaceType(name="plain", detect_files=("plain.cfg",), priority=50)


@hookimpl
def register_workspace_settings(register: Callable[[WorkspaceType | Deferred], None]) -> None:
    """Register both types by import path."""
    register(Deferred("notes", "coding_steps_testkit.repo_map_plugin:notes_workspace"))
    register(Deferred("plain", "coding_steps_testkit.repo_map_plugin:plain_workspace"))
