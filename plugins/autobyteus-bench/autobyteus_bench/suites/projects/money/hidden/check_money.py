from decimal import Decimal

import pytest
from money import CurrencyMismatchError, Money


def test_amount_is_rounded_half_up() -> None:
    assert Money("1.005", "USD").amount == Decimal("1.01")
    assert Money(3, "USD").amount == Decimal("3.00")
    assert Money(Decimal("2.344"), "USD").amount == Decimal("2.34")


def test_float_and_bad_currency_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "USD")
    for code in ("usd", "US", "USDX", "U$D"):
        with pytest.raises(ValueError):
            Money("1", code)


def test_arithmetic() -> None:
    assert Money("1.10", "EUR") + Money("2.20", "EUR") == Money("3.30", "EUR")
    assert Money("5", "EUR") - Money("0.01", "EUR") == Money("4.99", "EUR")
    assert Money("0.10", "EUR") * 3 == Money("0.30", "EUR")
    assert Money("1.00", "EUR") * Decimal("0.333") == Money("0.33", "EUR")


def test_mixing_currencies_fails() -> None:
    with pytest.raises(CurrencyMismatchError):
        Money("1", "EUR") + Money("1", "USD")
    with pytest.raises(ValueError):
        Money("1", "EUR") - Money("1", "USD")


def test_equality_hash_and_str() -> None:
    assert Money("12.5", "USD") == Money("12.50", "USD")
    assert Money("1", "USD") != Money("1", "EUR")
    assert len({Money("1", "USD"), Money("1.00", "USD")}) == 1
    assert str(Money("12.5", "USD")) == "12.50 USD"


def test_allocate_keeps_every_cent() -> None:
    assert Money("0.05", "EUR").allocate([1, 1]) == [Money("0.03", "EUR"), Money("0.02", "EUR")]
    parts = Money("100", "USD").allocate([1, 1, 1])
    assert parts == [Money("33.34", "USD"), Money("33.33", "USD"), Money("33.33", "USD")]
    assert Money("10", "USD").allocate([3, 7]) == [Money("3", "USD"), Money("7", "USD")]


def test_modules() -> None:
    from money.currency import check_currency
    from money.errors import CurrencyMismatchError as from_errors

    assert check_currency("JPY") == "JPY"
    with pytest.raises(ValueError):
        check_currency("jpy")
    assert issubclass(from_errors, ValueError)
