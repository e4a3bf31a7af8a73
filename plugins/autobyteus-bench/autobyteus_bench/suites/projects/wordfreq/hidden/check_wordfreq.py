import subprocess
import sys
from pathlib import Path

from wordfreq import count_words, top_words

ROOT = Path(__file__).resolve().parent.parent


def test_counts_lower_cased_words() -> None:
    assert count_words("A a b") == {"a": 2, "b": 1}


def test_punctuation_separates_words_and_apostrophes_stay() -> None:
    assert count_words("Don't stop, don't!") == {"don't": 2, "stop": 1}


def test_empty_text() -> None:
    assert count_words("") == {}
    assert top_words("", 3) == []


def test_top_words_orders_by_count_then_word() -> None:
    assert top_words("b a b c a", 2) == [("a", 2), ("b", 2)]
    assert top_words("x y y z z z", 5) == [("z", 3), ("y", 2), ("x", 1)]


def test_submodules() -> None:
    from wordfreq.counter import count_words as counter
    from wordfreq.top import top_words as top

    assert counter("Hi hi") == {"hi": 2}
    assert top("Hi hi yo", 1) == [("hi", 2)]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wordfreq", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_command_line(tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("the cat and the hat and the bat", encoding="utf-8")
    proc = run(str(text), "-n", "2")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["the 3", "and 2"]


def test_command_line_missing_file(tmp_path: Path) -> None:
    proc = run(str(tmp_path / "missing.txt"))
    assert proc.returncode == 1
    assert proc.stderr.strip()
