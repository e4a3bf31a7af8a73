import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from ledger import Entry, Ledger

ROOT = Path(__file__).resolve().parent.parent

TEXT = """\
2024-03-05 12.50 food
2024-04-01 40 travel
2024-03-30 7.50 food
# a comment
2024-05-31 3 food late
2023-12-31 100 gifts
"""


def test_month_of_an_entry() -> None:
    assert Entry(date(2024, 3, 5), Decimal("1"), "food").month == "2024-03"
    assert Entry(date(2023, 11, 30), Decimal("1"), "food").month == "2023-11"


def test_by_month_is_chronological() -> None:
    months = Ledger.from_text(TEXT).by_month()
    assert months == {
        "2023-12": Decimal("100"),
        "2024-03": Decimal("20.00"),
        "2024-04": Decimal("40"),
        "2024-05": Decimal("3"),
    }
    assert list(months) == ["2023-12", "2024-03", "2024-04", "2024-05"]
    assert Ledger().by_month() == {}


def test_between_includes_both_days_and_keeps_the_ledger() -> None:
    ledger = Ledger.from_text(TEXT)
    march = ledger.between(date(2024, 3, 5), date(2024, 3, 30))
    assert isinstance(march, Ledger)
    assert [e.amount for e in march.entries] == [Decimal("12.50"), Decimal("7.50")]
    assert len(ledger.entries) == 5
    assert [e.day for e in ledger.between(date(2024, 4, 1), None).entries] == [
        date(2024, 4, 1),
        date(2024, 5, 31),
    ]
    assert ledger.between(None, date(2023, 12, 31)).total() == Decimal("100")
    assert len(ledger.between(None, None).entries) == 5


def test_between_refuses_a_start_after_the_end() -> None:
    with pytest.raises(ValueError):
        Ledger.from_text(TEXT).between(date(2024, 4, 2), date(2024, 4, 1))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture
def book(tmp_path: Path) -> str:
    path = tmp_path / "book.txt"
    path.write_text(TEXT, encoding="utf-8")
    return str(path)


def test_command_line_by_month_with_a_range(book: str) -> None:
    proc = run(book, "--from", "2024-03-10", "--by-month")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["2024-03 7.50", "2024-04 40", "2024-05 3"]


def test_command_line_range_with_the_old_reports(book: str) -> None:
    proc = run(book, "--from", "2024-01-01", "--to", "2024-04-30")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "60.00"
    proc = run(book, "--to", "2024-03-31", "--category", "food")
    assert proc.stdout.strip() == "20.00"
    proc = run(book, "--from", "2024-04-01", "--by-category")
    assert proc.stdout.splitlines() == ["food 3", "travel 40"]


def test_command_line_refuses_a_bad_date_and_two_reports(book: str) -> None:
    assert run(book, "--from", "2024-03-01", "--to", "2024-03-31").returncode == 0
    assert run(book, "--from", "March").returncode == 2
    assert run(book, "--by-month", "--by-category").returncode == 2
