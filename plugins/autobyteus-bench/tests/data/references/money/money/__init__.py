from money.errors import CurrencyMismatchError
from money.money import Money

__all__ = ["CurrencyMismatchError", "Money"]
