import subprocess
import sys
from pathlib import Path

import pytest
from units import Unit, UnitError, convert, format_quantity, lookup, parse_quantity

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (100, "C", "F", 212),
        (0, "C", "F", 32),
        (-40, "F", "C", -40),
        (0, "K", "C", -273.15),
        (32, "F", "K", 273.15),
        (300, "K", "K", 300),
        (21.5, "C", "C", 21.5),
    ],
)
def test_temperatures_convert_with_offsets(
    value: float, source: str, target: str, expected: float
) -> None:
    assert convert(value, source, target) == pytest.approx(expected)


def test_the_new_units_are_temperatures() -> None:
    assert {lookup(s).dimension for s in ("C", "F", "K")} == {"temperature"}
    assert lookup("C").offset == pytest.approx(273.15)
    assert lookup("K").offset == 0
    assert Unit("x", "length", 2.0).offset == 0.0


@pytest.mark.parametrize(("value", "unit"), [(-300, "C"), (-1, "K"), (-500, "F")])
def test_below_absolute_zero_is_refused(value: float, unit: str) -> None:
    assert lookup(unit).dimension == "temperature"
    with pytest.raises(UnitError):
        convert(value, unit, "K" if unit != "K" else "C")


def test_temperatures_do_not_convert_to_other_dimensions() -> None:
    assert lookup("C").dimension == "temperature"
    with pytest.raises(UnitError):
        convert(1, "C", "m")
    with pytest.raises(UnitError):
        convert(1, "kg", "K")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("21.5 °C", (21.5, "C")), ("21.5°C", (21.5, "C")), ("-40 °F", (-40.0, "F")),
     ("300 K", (300.0, "K")), ("5 C", (5.0, "C"))],
)  # fmt: skip
def test_the_degree_sign_is_read(text: str, expected: tuple[float, str]) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["21.5 °K", "3 °m", "°C", "21.5 °"])
def test_a_degree_sign_elsewhere_is_not_a_quantity(text: str) -> None:
    assert parse_quantity("1 °C") == (1.0, "C")
    with pytest.raises(UnitError):
        parse_quantity(text)


def test_celsius_and_fahrenheit_are_written_with_the_degree_sign() -> None:
    assert format_quantity(100, "C") == "100 °C"
    assert format_quantity(-40.0, "F") == "-40 °F"
    assert format_quantity(273.15, "K") == "273.15 K"
    assert format_quantity(2.5, "km") == "2.5 km"


def test_command_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "units", "100 °C", "F"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"},
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "212 °F"
