import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from ledger import Entry, EntryError, Ledger, format_line, parse_line

ROOT = Path(__file__).resolve().parent.parent

TEXT = "2024-03-05 12.50 Food lunch\n\n# note\n2024-03-07 40 travel\n2024-03-09 7.25 food\n"


def test_lines_are_parsed_and_written_back() -> None:
    entry = parse_line("2024-03-05 12.50 Food lunch with Sam")
    assert entry == Entry(date(2024, 3, 5), Decimal("12.50"), "food", "lunch with Sam")
    assert format_line(entry) == "2024-03-05 12.50 food lunch with Sam"
    assert format_line(parse_line("2024-01-02 3 misc")) == "2024-01-02 3 misc"


@pytest.mark.parametrize("line", ["2024-03-05 12.50", "2024-13-01 1 food", "2024-03-05 ten food"])
def test_bad_lines_are_refused(line: str) -> None:
    with pytest.raises(EntryError):
        parse_line(line)


def test_totals_and_categories() -> None:
    ledger = Ledger.from_text(TEXT)
    assert ledger.total() == Decimal("59.75")
    assert ledger.total("food") == Decimal("19.75")
    assert ledger.by_category() == {"food": Decimal("19.75"), "travel": Decimal("40")}
    ledger.add(parse_line("2024-03-10 1 books"))
    assert list(ledger.by_category()) == ["books", "food", "travel"]


def test_command_line_without_the_new_options(tmp_path: Path) -> None:
    book = tmp_path / "book.txt"
    book.write_text(TEXT, encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ledger", str(book), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    assert run().stdout.strip() == "59.75"
    assert run("--category", "travel").stdout.strip() == "40"
    assert run("--by-category").stdout.splitlines() == ["food 19.75", "travel 40"]
    book.write_text("not a ledger\n", encoding="utf-8")
    failed = run()
    assert failed.returncode == 1 and failed.stderr.strip()
