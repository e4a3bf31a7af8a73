"""``python -m ledger FILE [--category NAME | --by-category]``: totals of a ledger file."""

from __future__ import annotations

import argparse
import sys

from ledger.book import Ledger
from ledger.entry import EntryError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger")
    parser.add_argument("file")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--category")
    group.add_argument("--by-category", action="store_true")
    args = parser.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as handle:
            ledger = Ledger.from_text(handle.read())
    except (OSError, EntryError) as exc:
        print(f"ledger: {exc}", file=sys.stderr)
        return 1
    if args.by_category:
        for category, amount in ledger.by_category().items():
            print(f"{category} {amount}")
    else:
        print(ledger.total(args.category))
    return 0


if __name__ == "__main__":
    sys.exit(main())
