"""Atomic writes leave no temporary file behind, even for a writer killed mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from autobyteus_core.workspace.atomic_write import atomic_write_bytes, remove_orphaned_temp_files


def test_a_write_leaves_only_its_file(tmp_path: Path) -> None:
    atomic_write_bytes(tmp_path / "a.txt", b"one")
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_the_temporary_file_of_a_killed_writer_is_removed_and_nothing_else(tmp_path: Path) -> None:
    # A real writer killed between creating its temporary file and renaming it.
    script = (
        "import os, sys, time\n"
        "from autobyteus_core.workspace import atomic_write as a\n"
        "a.write_all = lambda fd, data: (print('created', flush=True), time.sleep(60))\n"
        "a.atomic_write_bytes(__import__('pathlib').Path(sys.argv[1]) / 'x.txt', b'x')\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline() == "created\n"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    [orphan] = [p.name for p in tmp_path.iterdir()]
    assert orphan.startswith(f".autobyteus-{writer.pid}-") and orphan.endswith(".tmp")

    live = f".autobyteus-{os.getpid()}-{'0' * 12}.tmp"  # this process is still writing it
    (tmp_path / live).write_bytes(b"")
    (tmp_path / ".autobyteus-notes.tmp").write_bytes(b"")  # not a writer's name
    (tmp_path / "kept.txt").write_bytes(b"")
    assert remove_orphaned_temp_files(tmp_path) == [orphan]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live, ".autobyteus-notes.tmp", "kept.txt"]
    )
