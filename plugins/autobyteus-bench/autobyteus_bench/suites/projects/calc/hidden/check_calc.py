import subprocess
import sys
from pathlib import Path

import pytest
from calc import evaluate, tokenize

ROOT = Path(__file__).resolve().parent.parent


def test_tokenize() -> None:
    assert tokenize("2*(3 + 4.5)") == ["2", "*", "(", "3", "+", "4.5", ")"]
    assert tokenize(" .5/10") == [".5", "/", "10"]
    with pytest.raises(ValueError):
        tokenize("2 ^ 3")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1+2*3", 7.0),
        ("(1+2)*3", 9.0),
        ("10/4", 2.5),
        ("8-3-2", 3.0),
        ("2*3/4", 1.5),
        ("-(2+3)", -5.0),
        ("--1", 1.0),
        ("+4", 4.0),
        ("3*-2", -6.0),
        (" 1.5 + .5 ", 2.0),
    ],
)
def test_evaluate(text: str, value: float) -> None:
    assert evaluate(text) == pytest.approx(value)


def test_division_by_zero() -> None:
    with pytest.raises(ZeroDivisionError):
        evaluate("1/(2-2)")


@pytest.mark.parametrize("text", ["", "1+", "(1+2", "1+2)", "*3", "2 3"])
def test_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        evaluate(text)


def calc(expression: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "calc", expression],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


def test_command_line() -> None:
    assert calc("1+2*3").stdout.strip() == "7.0"
    bad = calc("1+")
    assert bad.returncode == 1
    assert bad.stderr.strip()
