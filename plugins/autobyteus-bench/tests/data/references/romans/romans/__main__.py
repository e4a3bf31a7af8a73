import sys

from romans import from_roman, to_roman

value = sys.argv[1]
try:
    print(to_roman(int(value)) if value.isdigit() else from_roman(value))
except ValueError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
