"""``python -m units QUANTITY UNIT``: print QUANTITY converted to UNIT (``"3.5 km" mi``)."""

from __future__ import annotations

import sys

from units.quantity import format_quantity, parse_quantity
from units.table import UnitError, convert


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m units QUANTITY UNIT", file=sys.stderr)
        return 2
    try:
        value, unit = parse_quantity(args[0])
        print(format_quantity(convert(value, unit, args[1]), args[1]))
    except UnitError as exc:
        print(f"units: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
