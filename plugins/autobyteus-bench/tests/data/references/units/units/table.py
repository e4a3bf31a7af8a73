"""The units known, each a factor (and an offset) of its dimension's base unit (metre,
kilogram, kelvin)."""

from __future__ import annotations

from dataclasses import dataclass


class UnitError(ValueError):
    """An unknown unit, or a conversion between different dimensions."""


@dataclass(frozen=True)
class Unit:
    """A unit: its symbol, its dimension, and ``value * factor + offset`` base units."""

    symbol: str
    dimension: str
    factor: float
    offset: float = 0.0


UNITS: dict[str, Unit] = {
    unit.symbol: unit
    for unit in (
        Unit("m", "length", 1.0),
        Unit("km", "length", 1000.0),
        Unit("cm", "length", 0.01),
        Unit("mm", "length", 0.001),
        Unit("mi", "length", 1609.344),
        Unit("ft", "length", 0.3048),
        Unit("in", "length", 0.0254),
        Unit("kg", "mass", 1.0),
        Unit("g", "mass", 0.001),
        Unit("lb", "mass", 0.45359237),
        Unit("oz", "mass", 0.028349523125),
        Unit("K", "temperature", 1.0),
        Unit("C", "temperature", 1.0, 273.15),
        Unit("F", "temperature", 5 / 9, 459.67 * 5 / 9),
    )
}


def lookup(symbol: str) -> Unit:
    """The unit written ``symbol`` (case matters: ``m`` is not ``M``)."""
    try:
        return UNITS[symbol]
    except KeyError:
        raise UnitError(f"unknown unit {symbol!r}") from None


def convert(value: float, source: str, target: str) -> float:
    """``value`` in the unit ``source`` expressed in the unit ``target``."""
    start, end = lookup(source), lookup(target)
    if start.dimension != end.dimension:
        raise UnitError(f"cannot convert {start.dimension} ({source}) to {end.dimension} ({target})")
    base = value * start.factor + start.offset
    if start.dimension == "temperature" and base < 0:
        raise UnitError(f"{value} {source} is below absolute zero")
    return (base - end.offset) / end.factor
