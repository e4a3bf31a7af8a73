import subprocess
import sys
from pathlib import Path

import pytest
from romans import from_roman, to_roman

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("number", "numeral"),
    [
        (1, "I"),
        (4, "IV"),
        (9, "IX"),
        (14, "XIV"),
        (40, "XL"),
        (90, "XC"),
        (400, "CD"),
        (1994, "MCMXCIV"),
        (2024, "MMXXIV"),
        (3999, "MMMCMXCIX"),
    ],
)
def test_both_ways(number: int, numeral: str) -> None:
    assert to_roman(number) == numeral
    assert from_roman(numeral) == number
    assert from_roman(numeral.lower()) == number


@pytest.mark.parametrize("number", [0, -1, 4000])
def test_out_of_range(number: int) -> None:
    with pytest.raises(ValueError):
        to_roman(number)


@pytest.mark.parametrize("text", ["IIII", "IC", "MMMM", "", "ABC", "VX", "XM"])
def test_not_canonical(text: str) -> None:
    with pytest.raises(ValueError):
        from_roman(text)


def test_round_trip_everything() -> None:
    assert all(from_roman(to_roman(n)) == n for n in range(1, 4000))


def romans(value: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "romans", value],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_command_line() -> None:
    assert romans("1994").stdout.strip() == "MCMXCIV"
    assert romans("mcmxciv").stdout.strip() == "1994"
    bad = romans("IIII")
    assert bad.returncode == 2
    assert bad.stderr.strip()
