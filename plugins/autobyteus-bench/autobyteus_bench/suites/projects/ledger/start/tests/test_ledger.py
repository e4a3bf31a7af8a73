from datetime import date
from decimal import Decimal

import pytest
from ledger import Entry, EntryError, Ledger, format_line, parse_line

TEXT = """\
# March
2024-03-05 12.50 food lunch with Sam
2024-03-07 40 Travel

2024-03-09 7.25 food
"""


def test_a_line_is_parsed_and_written_back() -> None:
    entry = parse_line("2024-03-05 12.50 Food lunch with Sam")
    assert entry == Entry(date(2024, 3, 5), Decimal("12.50"), "food", "lunch with Sam")
    assert format_line(entry) == "2024-03-05 12.50 food lunch with Sam"


def test_a_bad_line_is_refused() -> None:
    with pytest.raises(EntryError):
        parse_line("yesterday 3 food")


def test_totals() -> None:
    ledger = Ledger.from_text(TEXT)
    assert ledger.total() == Decimal("59.75")
    assert ledger.total("FOOD") == Decimal("19.75")
    assert ledger.by_category() == {"food": Decimal("19.75"), "travel": Decimal("40")}
