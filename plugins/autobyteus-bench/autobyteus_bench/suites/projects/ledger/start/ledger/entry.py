"""One expense and the line it is written on: ``2024-03-05 12.50 food lunch with Sam``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation


class EntryError(ValueError):
    """A line that is not an entry."""


@dataclass(frozen=True)
class Entry:
    """An amount spent on a day, in a category, with an optional note."""

    day: date
    amount: Decimal
    category: str
    note: str = ""


def parse_line(line: str) -> Entry:
    """The entry written on ``line``: a date, an amount, a category and an optional note."""
    parts = line.split(maxsplit=3)
    if len(parts) < 3:
        raise EntryError(f"expected 'DATE AMOUNT CATEGORY [NOTE]', got {line!r}")
    try:
        day = date.fromisoformat(parts[0])
    except ValueError:
        raise EntryError(f"not a date: {parts[0]!r}") from None
    try:
        amount = Decimal(parts[1])
    except InvalidOperation:
        raise EntryError(f"not an amount: {parts[1]!r}") from None
    return Entry(day, amount, parts[2].lower(), parts[3] if len(parts) > 3 else "")


def format_line(entry: Entry) -> str:
    """``entry`` written as a line that :func:`parse_line` reads back."""
    text = f"{entry.day.isoformat()} {entry.amount} {entry.category}"
    return f"{text} {entry.note}" if entry.note else text
