from decimal import ROUND_HALF_UP, Decimal

from money.currency import check_currency
from money.errors import CurrencyMismatchError

CENT = Decimal("0.01")


class Money:
    __slots__ = ("amount", "currency")

    def __init__(self, amount, currency):
        if isinstance(amount, float):
            raise TypeError("use Decimal, int or str, not float")
        object.__setattr__(self, "amount", Decimal(amount).quantize(CENT, ROUND_HALF_UP))
        object.__setattr__(self, "currency", check_currency(currency))

    def __setattr__(self, name, value):
        raise AttributeError("Money is immutable")

    def _same(self, other):
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"{self.currency} and {other.currency}")

    def __add__(self, other):
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other):
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor):
        return Money(self.amount * Decimal(factor), self.currency)

    def __eq__(self, other):
        return isinstance(other, Money) and (self.amount, self.currency) == (other.amount, other.currency)

    def __hash__(self):
        return hash((self.amount, self.currency))

    def __str__(self):
        return f"{self.amount} {self.currency}"

    __repr__ = __str__

    def allocate(self, ratios):
        cents = int(self.amount * 100)
        total = sum(ratios)
        parts = [cents * r // total for r in ratios]
        for i in range(cents - sum(parts)):
            parts[i] += 1
        return [Money(Decimal(p) / 100, self.currency) for p in parts]
