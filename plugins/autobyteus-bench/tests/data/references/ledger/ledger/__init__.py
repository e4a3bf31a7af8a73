"""A plain-text expense ledger."""

from ledger.book import Ledger
from ledger.entry import Entry, EntryError, format_line, parse_line

__all__ = ["Entry", "EntryError", "Ledger", "format_line", "parse_line"]
