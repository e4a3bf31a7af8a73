"""The ledger: entries read from text, with totals."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ledger.entry import Entry, parse_line


class Ledger:
    """Expenses in the order they were added."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries: list[Entry] = list(entries)

    @classmethod
    def from_text(cls, text: str) -> Ledger:
        """A ledger of the entries in ``text``, one a line; blank lines and ``#`` comments are
        skipped."""
        lines = (line.strip() for line in text.splitlines())
        return cls(parse_line(line) for line in lines if line and not line.startswith("#"))

    def add(self, entry: Entry) -> None:
        """Add ``entry`` at the end."""
        self.entries.append(entry)

    def total(self, category: str | None = None) -> Decimal:
        """The sum of all amounts, or of those of ``category``."""
        wanted = category.lower() if category else None
        return sum(
            (e.amount for e in self.entries if wanted is None or e.category == wanted),
            Decimal("0"),
        )

    def by_category(self) -> dict[str, Decimal]:
        """The total of each category, categories in alphabetical order."""
        totals: dict[str, Decimal] = {}
        for entry in self.entries:
            totals[entry.category] = totals.get(entry.category, Decimal("0")) + entry.amount
        return dict(sorted(totals.items()))
