class CurrencyMismatchError(ValueError):
    pass
