from inventory.errors import OutOfStockError, UnknownItemError


class Inventory:
    def __init__(self):
        self.stock = {}

    def add(self, sku, quantity):
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        self.stock[sku] = self.stock.get(sku, 0) + quantity

    def remove(self, sku, quantity):
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        if sku not in self.stock:
            raise UnknownItemError(sku)
        if quantity > self.stock[sku]:
            raise OutOfStockError(sku, quantity, self.stock[sku])
        self.stock[sku] -= quantity

    def quantity(self, sku):
        return self.stock.get(sku, 0)

    def skus(self):
        return sorted(s for s, q in self.stock.items() if q > 0)

    def total_value(self, prices):
        total = 0.0
        for sku in self.skus():
            if sku not in prices:
                raise UnknownItemError(sku)
            total += self.stock[sku] * prices[sku]
        return total
