"""The safe writer: every way out of the workspace is refused and nothing is created outside."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from autobyteus_core.workspace.errors import FileTooLargeError, UnsafePathError
from autobyteus_core.workspace.safe_writer import SafeWriter
from autobyteus_core.workspace.written_file import WrittenFile


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """``(root, outside)``: a workspace and a sibling folder that must stay untouched."""
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "victim.txt").write_text("original", encoding="utf-8")
    yield root, outside


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (links not followed) with its content."""
    result: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            is_file = path.is_file() and not path.is_symlink()
            result[str(path.relative_to(folder))] = path.read_bytes() if is_file else None
    return result


def _refused(writer: SafeWriter, path: object, reason: str, content: str | bytes = "pwned") -> None:
    tmp = writer.root.parent
    before = _snapshot(tmp)
    changes: list[WrittenFile] = []
    with pytest.raises(UnsafePathError) as info:
        changes.append(writer.write(path, content))
    assert reason in info.value.reason, info.value.reason
    assert _snapshot(tmp) == before, "something was created or changed"
    assert changes == []


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/etc/passwd", "absolute"),
        ("//server/share/x", "absolute"),
        ("\\\\server\\share\\x", "absolute"),
        ("C:\\Windows\\x.py", "drive letter"),
        ("c:relative.py", "drive letter"),
        ("~/x.py", "home-relative"),
        ("../outside/victim.txt", "'..'"),
        ("a/../../outside/x.py", "'..'"),
        ("a/..", "'..'"),
        ("..\\outside\\x.py", "'..'"),
        ("pkg/\x00evil.py", "NUL"),
        ("", "empty"),
        ("   ", "empty"),
        (".", "workspace root"),
        ("pkg/", "directory"),
        (".git/hooks/pre-commit", "control folder"),
        (".GIT/config", "control folder"),
        ("sub/.git/config", "control folder"),
        (".git", "control folder"),
        (".git./config", "control folder"),
        (".autobyteus/runs/x/state.json", "control folder"),
        (".venv/bin/python", "control folder"),
        ("venv/lib/site.py", "control folder"),
        (".hg/hgrc", "control folder"),
        (".g\u200cit/config", "invisible"),
        ("pkg/bad\nname.py", "invisible or control"),
        ("CON", "device name"),
        ("nul.txt", "device name"),
        ("pkg/com1.py", "device name"),
        ("LPT9", "device name"),
        ("notes.", "ends with a dot"),
        ("name ", "ends with a dot or a space"),
        ("pkg/a:b.py", "':'"),
        ("what?.py", "'?'"),
        ("x" * 256, "longer than 255"),
    ],
)
def test_unsafe_paths_are_refused(sandbox: tuple[Path, Path], path: str, reason: str) -> None:
    root, _ = sandbox
    _refused(SafeWriter(root), path, reason)


def test_a_non_string_path_is_refused(sandbox: tuple[Path, Path]) -> None:
    root, _ = sandbox
    _refused(SafeWriter(root), Path("x.py"), "must be a string")


def test_a_directory_symlink_leading_outside_is_refused(sandbox: tuple[Path, Path]) -> None:
    root, outside = sandbox
    (root / "link").symlink_to(outside, target_is_directory=True)
    _refused(SafeWriter(root), "link/victim.txt", "outside the workspace")
    _refused(SafeWriter(root), "link/new.py", "outside the workspace")


def test_a_file_symlink_leading_outside_is_refused(sandbox: tuple[Path, Path]) -> None:
    root, outside = sandbox
    (root / "innocent.py").symlink_to(outside / "victim.txt")
    (root / "dangling.py").symlink_to(outside / "not-there-yet.py")
    _refused(SafeWriter(root), "innocent.py", "outside the workspace")
    _refused(SafeWriter(root), "dangling.py", "outside the workspace")
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "original"


def test_a_symlink_to_the_root_itself_or_a_control_folder_is_refused(
    sandbox: tuple[Path, Path],
) -> None:
    root, _ = sandbox
    (root / ".git").mkdir()
    (root / "docs").symlink_to(root / ".git", target_is_directory=True)
    (root / "here").symlink_to(root, target_is_directory=True)
    _refused(SafeWriter(root), "docs/hooks/post-checkout", "control folder")
    _refused(SafeWriter(root), "here", "outside the workspace")


def test_a_symlink_that_stays_inside_is_followed(sandbox: tuple[Path, Path]) -> None:
    root, _ = sandbox
    (root / "src").mkdir()
    (root / "alias").symlink_to(root / "src", target_is_directory=True)
    written = SafeWriter(root).write("alias/mod.py", "x = 1\n")
    assert written.path == "src/mod.py"
    assert (root / "src" / "mod.py").read_text(encoding="utf-8") == "x = 1\n"


def test_virtual_environments_are_refused(sandbox: tuple[Path, Path]) -> None:
    root, _ = sandbox
    (root / "env" / "lib").mkdir(parents=True)
    (root / "env" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    _refused(SafeWriter(root), "env/lib/site.py", "virtual environment")
    _refused(SafeWriter(root), "env/new.py", "virtual environment")


def test_a_workspace_that_is_a_virtual_environment_is_refused(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    _refused(SafeWriter(tmp_path / "root"), "x.py", "virtual environment")


def test_existing_directories_and_special_files_are_refused(sandbox: tuple[Path, Path]) -> None:
    root, _ = sandbox
    (root / "pkg").mkdir()
    _refused(SafeWriter(root), "pkg", "existing directory")
    (root / "file.txt").write_text("x", encoding="utf-8")
    _refused(SafeWriter(root), "file.txt/inner.py", "not a directory")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe")
        _refused(SafeWriter(root), "pipe", "device, pipe or socket")


def test_content_over_the_limit_is_refused(sandbox: tuple[Path, Path]) -> None:
    root, _ = sandbox
    writer = SafeWriter(root, max_file_bytes=10)
    with pytest.raises(FileTooLargeError, match="11 bytes is more than the limit of 10"):
        writer.write("big.txt", "x" * 11)
    assert not (root / "big.txt").exists()
    writer.write("ok.txt", "é" * 5)  # 10 bytes in UTF-8
    with pytest.raises(FileTooLargeError):
        writer.write("ok2.txt", "é" * 6)


def test_a_directory_swapped_for_a_link_mid_write_is_refused(
    sandbox: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check (realpath) and the write are separate; the write walks with O_NOFOLLOW
    descriptors, so swapping a checked folder for a symlink in between does not redirect it."""
    root, outside = sandbox
    (root / "pkg").mkdir()
    real_realpath = os.path.realpath

    def swap_after_check(path: str) -> str:
        result = real_realpath(path)
        if str(path).endswith("mod.py") and (root / "pkg").is_dir():
            (root / "pkg").rename(root / "pkg-moved")
            (root / "pkg").symlink_to(outside, target_is_directory=True)
        return result

    monkeypatch.setattr(os.path, "realpath", swap_after_check)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        SafeWriter(root).write("pkg/mod.py", "print('pwned')")
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]


def test_writes_are_recorded_and_replacements_keep_the_mode(sandbox: tuple[Path, Path]) -> None:
    root, _ = sandbox
    writer = SafeWriter(root, durable=True)
    created = writer.write("pkg/deep/mod.py", "a = 1\n")
    assert created.created and created.action == "created" and created.previous_sha256 is None
    assert created.path == "pkg/deep/mod.py" and created.bytes == 6
    os.chmod(root / "pkg" / "deep" / "mod.py", 0o755)
    inode = (root / "pkg" / "deep" / "mod.py").stat().st_ino

    replaced = writer.write("pkg\\deep\\.\\mod.py", "a = 2\n")
    assert replaced.action == "replaced" and replaced.previous_sha256 == created.sha256
    assert stat.S_IMODE((root / "pkg" / "deep" / "mod.py").stat().st_mode) == 0o755
    assert (root / "pkg" / "deep" / "mod.py").stat().st_ino != inode  # replaced atomically

    same = writer.write("pkg/deep/mod.py", b"a = 2\n")
    assert same.action == "unchanged" and not same.changed
    assert [c.action for c in (created, replaced, same)] == ["created", "replaced", "unchanged"]
    leftovers = [p.name for p in (root / "pkg" / "deep").iterdir()]
    assert leftovers == ["mod.py"]


def test_a_root_that_is_a_link_moved_elsewhere_is_followed_afresh(tmp_path: Path) -> None:
    """The root's resolution is kept between writes only while the root still leads to the
    same directory: a link re-pointed between two writes sends the second to the new target."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    link = tmp_path / "workspace"
    link.symlink_to(first, target_is_directory=True)
    writer = SafeWriter(link)
    writer.write("a.txt", "one")
    link.unlink()
    link.symlink_to(second, target_is_directory=True)
    writer.write("b.txt", "two")
    assert sorted(p.name for p in first.iterdir()) == ["a.txt"]
    assert sorted(p.name for p in second.iterdir()) == ["b.txt"]
    assert writer.real_root() == os.path.realpath(second)


def test_a_root_replaced_by_another_directory_is_resolved_again(tmp_path: Path) -> None:
    """The same path, a new directory (the old one renamed away): writes go to the new one."""
    root = tmp_path / "root"
    root.mkdir()
    writer = SafeWriter(root)
    writer.write("a.txt", "one")
    root.rename(tmp_path / "old")
    root.mkdir()
    writer.write("b.txt", "two")
    assert sorted(p.name for p in root.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in (tmp_path / "old").iterdir()) == ["a.txt"]
