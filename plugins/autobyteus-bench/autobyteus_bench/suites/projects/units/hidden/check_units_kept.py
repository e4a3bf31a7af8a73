import subprocess
import sys
from pathlib import Path

import pytest
from units import UnitError, convert, format_quantity, lookup, parse_quantity

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [(1, "km", "m", 1000), (3.5, "km", "mi", 2.1747991), (12, "in", "ft", 1), (1, "mm", "cm", 0.1),
     (1, "lb", "oz", 16), (250, "g", "kg", 0.25)],
)  # fmt: skip
def test_lengths_and_masses(value: float, source: str, target: str, expected: float) -> None:
    assert convert(value, source, target) == pytest.approx(expected)


def test_units_and_their_errors() -> None:
    assert lookup("km").factor == 1000.0
    with pytest.raises(UnitError):
        lookup("M")
    with pytest.raises(UnitError):
        convert(1, "kg", "m")
    assert issubclass(UnitError, ValueError)


def test_quantities_as_text() -> None:
    assert parse_quantity("3.5 km") == (3.5, "km")
    assert parse_quantity(" -2lb ") == (-2.0, "lb")
    for bad in ("km", "3.5", "3.5 parsecs", "three km"):
        with pytest.raises(UnitError):
            parse_quantity(bad)
    assert format_quantity(2.17480, "mi") == "2.175 mi"
    assert format_quantity(3.0, "m") == "3 m"
    assert format_quantity(-0.0001, "m") == "0 m"
    assert format_quantity(1.23456, "kg", digits=1) == "1.2 kg"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "units", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_command_line() -> None:
    proc = run("3.5 km", "mi")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "2.175 mi"
    assert run("1 kg", "m").returncode == 1
    assert run("1 kg").returncode == 2
