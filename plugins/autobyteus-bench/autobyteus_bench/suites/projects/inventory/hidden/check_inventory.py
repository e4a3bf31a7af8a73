import pytest
from inventory import Inventory, OutOfStockError, UnknownItemError, low_stock


def test_add_remove_quantity() -> None:
    stock = Inventory()
    stock.add("apple", 5)
    stock.add("apple", 2)
    stock.remove("apple", 3)
    assert stock.quantity("apple") == 4
    assert stock.quantity("pear") == 0


def test_out_of_stock_changes_nothing() -> None:
    stock = Inventory()
    stock.add("apple", 2)
    with pytest.raises(OutOfStockError) as caught:
        stock.remove("apple", 3)
    assert (caught.value.sku, caught.value.requested, caught.value.available) == ("apple", 3, 2)
    assert stock.quantity("apple") == 2


def test_unknown_and_bad_quantities() -> None:
    stock = Inventory()
    with pytest.raises(UnknownItemError) as caught:
        stock.remove("ghost", 1)
    assert caught.value.sku == "ghost"
    assert isinstance(caught.value, KeyError)
    with pytest.raises(ValueError):
        stock.add("apple", 0)
    stock.add("apple", 1)
    with pytest.raises(ValueError):
        stock.remove("apple", -1)


def test_skus_and_value() -> None:
    stock = Inventory()
    stock.add("b", 2)
    stock.add("a", 1)
    stock.add("c", 1)
    stock.remove("c", 1)
    assert stock.skus() == ["a", "b"]
    assert stock.total_value({"a": 1.5, "b": 2.0}) == pytest.approx(5.5)
    with pytest.raises(UnknownItemError):
        stock.total_value({"a": 1.5})


def test_low_stock_report() -> None:
    stock = Inventory()
    for sku, quantity in (("x", 5), ("y", 1), ("z", 1), ("w", 9)):
        stock.add(sku, quantity)
    stock.remove("w", 9)
    assert low_stock(stock, 5) == [("w", 0), ("y", 1), ("z", 1)]


def test_modules() -> None:
    from inventory.errors import OutOfStockError as a
    from inventory.report import low_stock as b
    from inventory.stock import Inventory as c

    assert (a, b, c) == (OutOfStockError, low_stock, Inventory)
