import pytest
from units import UnitError, convert, format_quantity, parse_quantity


def test_conversions() -> None:
    assert convert(1, "km", "m") == 1000
    assert convert(12, "in", "ft") == pytest.approx(1)
    assert convert(1, "lb", "g") == pytest.approx(453.59237)


def test_different_dimensions_do_not_convert() -> None:
    with pytest.raises(UnitError):
        convert(1, "kg", "m")


def test_quantities_as_text() -> None:
    assert parse_quantity("3.5 km") == (3.5, "km")
    assert parse_quantity("2lb") == (2.0, "lb")
    assert format_quantity(2.17480, "mi") == "2.175 mi"
    assert format_quantity(3.0, "m") == "3 m"
