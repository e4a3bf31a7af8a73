from inventory.errors import OutOfStockError, UnknownItemError
from inventory.report import low_stock
from inventory.stock import Inventory

__all__ = ["Inventory", "OutOfStockError", "UnknownItemError", "low_stock"]
