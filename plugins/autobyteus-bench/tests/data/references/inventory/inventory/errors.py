class OutOfStockError(Exception):
    def __init__(self, sku, requested, available):
        super().__init__(f"{sku}: {requested} requested, {available} in stock")
        self.sku, self.requested, self.available = sku, requested, available


class UnknownItemError(KeyError):
    def __init__(self, sku):
        super().__init__(sku)
        self.sku = sku
