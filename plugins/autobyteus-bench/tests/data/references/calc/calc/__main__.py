import sys

from calc import evaluate

try:
    print(evaluate(sys.argv[1]))
except (ValueError, ZeroDivisionError) as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(1)
