"""Converting quantities between units of length and mass."""

from units.quantity import format_quantity, parse_quantity
from units.table import Unit, UnitError, convert, lookup

__all__ = ["Unit", "UnitError", "convert", "format_quantity", "lookup", "parse_quantity"]
