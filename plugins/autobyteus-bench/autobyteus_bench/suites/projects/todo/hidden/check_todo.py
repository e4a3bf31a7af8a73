import json
import subprocess
import sys
from pathlib import Path

import pytest
from todo import TodoStore

ROOT = Path(__file__).resolve().parent.parent


def test_add_and_list(tmp_path: Path) -> None:
    store = TodoStore(tmp_path / "todo.json")
    assert store.add("milk") == 1
    assert store.add("bread") == 2
    assert store.items() == [
        {"id": 1, "title": "milk", "done": False},
        {"id": 2, "title": "bread", "done": False},
    ]


def test_changes_are_saved(tmp_path: Path) -> None:
    path = tmp_path / "todo.json"
    store = TodoStore(str(path))
    store.add("milk")
    store.add("bread")
    store.done(2)
    store.remove(1)
    again = TodoStore(path)
    assert again.items() == [{"id": 2, "title": "bread", "done": True}]
    assert json.loads(path.read_text(encoding="utf-8"))


def test_ids_are_not_reused(tmp_path: Path) -> None:
    store = TodoStore(tmp_path / "todo.json")
    store.add("a")
    second = store.add("b")
    store.remove(second)
    assert store.add("c") == second + 1


def test_unknown_ids(tmp_path: Path) -> None:
    store = TodoStore(tmp_path / "todo.json")
    with pytest.raises(KeyError):
        store.done(7)
    with pytest.raises(KeyError):
        store.remove(7)


def todo(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "todo", "--file", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_command_line(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    assert todo(path, "add", "Buy milk").stdout.strip() == "1"
    assert todo(path, "add", "Call Bob").stdout.strip() == "2"
    assert todo(path, "done", "1").returncode == 0
    listing = todo(path, "list")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines() == ["1 [x] Buy milk", "2 [ ] Call Bob"]
    failed = todo(path, "remove", "9")
    assert failed.returncode == 1
    assert failed.stderr.strip()


def test_main_function(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from todo.cli import main

    assert main(["--file", str(tmp_path / "x.json"), "add", "Write"]) == 0
    assert capsys.readouterr().out.strip() == "1"
