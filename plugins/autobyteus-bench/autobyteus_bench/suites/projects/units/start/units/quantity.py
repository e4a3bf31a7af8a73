"""Quantities as text: ``"3.5 km"``."""

from __future__ import annotations

import re

from units.table import UnitError, lookup

_QUANTITY = re.compile(r"^\s*(?P<value>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]+)\s*$")


def parse_quantity(text: str) -> tuple[float, str]:
    """The value and unit symbol of ``text`` (``"3.5 km"`` or ``"3.5km"``); UnitError for text
    that is not a quantity or names an unknown unit."""
    match = _QUANTITY.match(text)
    if match is None:
        raise UnitError(f"not a quantity: {text!r}")
    unit = lookup(match["unit"]).symbol
    return float(match["value"]), unit


def format_quantity(value: float, unit: str, digits: int = 3) -> str:
    """``value`` rounded to ``digits`` decimals, without trailing zeros, then the unit."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('-0', '') else text} {unit}"
