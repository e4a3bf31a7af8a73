"""``python -m ledger FILE [--from DATE] [--to DATE] [--category NAME | --by-category |
--by-month]``: totals of a ledger file."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from ledger.book import Ledger


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger")
    parser.add_argument("file")
    parser.add_argument("--from", dest="start", type=_day)
    parser.add_argument("--to", dest="end", type=_day)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--category")
    group.add_argument("--by-category", action="store_true")
    group.add_argument("--by-month", action="store_true")
    args = parser.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as handle:
            ledger = Ledger.from_text(handle.read())
        ledger = ledger.between(args.start, args.end)
    except (OSError, ValueError) as exc:  # EntryError is a ValueError
        print(f"ledger: {exc}", file=sys.stderr)
        return 1
    if args.by_month:
        for month, amount in ledger.by_month().items():
            print(f"{month} {amount}")
    elif args.by_category:
        for category, amount in ledger.by_category().items():
            print(f"{category} {amount}")
    else:
        print(ledger.total(args.category))
    return 0


if __name__ == "__main__":
    sys.exit(main())
