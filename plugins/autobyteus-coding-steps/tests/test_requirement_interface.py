"""What a requirement fixes about the code: its files, its packages' public names, its commands."""

from __future__ import annotations

from autobyteus_coding_steps.parsing.requirement_interface import (
    asks_only_exports,
    public_api,
    requirement_interface,
)

REQUIREMENT = """\
Create a package `shop` (see `shop.cart.Cart` and `json.dumps`).

- `shop/cart.py` defines `Cart()` with `add(sku: str)`.
- `shop/report.py` defines `summary(cart) -> str`.
- `shop/__init__.py` re-exports `Cart` and
  `summary`, so the tests can write `from shop import Cart`.
- `python -m shop FILE` prints the summary; run the tests with `python -m pytest`.
- `tests/test_cart.py` is written by you too.
"""


def test_the_files_names_and_commands_a_requirement_gives() -> None:
    interface = requirement_interface(REQUIREMENT)
    assert interface.files == ("shop/cart.py", "shop/report.py")  # no __init__.py, no tests
    assert interface.commands == ("shop", "pytest")
    assert interface.single_file is None
    modules = {"shop": "shop/__init__.py", "shop.cart": "shop/cart.py", "shop.report": "x"}
    assert public_api(interface.names, modules) == [
        ("shop.cart", "Cart"),
        ("shop", "Cart"),
        ("shop", "summary"),
    ]


def test_a_one_file_requirement() -> None:
    interface = requirement_interface("Write `solution.py` defining `add(a, b)`.")
    assert interface.single_file == "solution.py"
    assert requirement_interface("`a.py` and `b.py`").single_file is None
    assert requirement_interface("`tool.py`, run as `python -m tool`").single_file == "tool.py"


def test_a_package_file_asked_only_to_re_export() -> None:
    assert asks_only_exports(REQUIREMENT, "shop/__init__.py")
    assert asks_only_exports(REQUIREMENT, "other/__init__.py")
    assert not asks_only_exports("- `shop/__init__.py` sets `VERSION`.", "shop/__init__.py")


def test_a_re_exported_name_shared_with_its_module_is_the_packages_name() -> None:
    interface = requirement_interface(
        "- `calc/evaluate.py` defines `evaluate(text)`; `calc.tokens` is a module.\n"
        "- `calc/__init__.py` re-exports `evaluate`.\n"
    )
    assert interface.exports == ("calc.evaluate",)
    modules = {"calc": "calc/__init__.py", "calc.evaluate": "x", "calc.tokens": "y"}
    assert public_api(interface.names, modules, interface.exports) == [("calc", "evaluate")]
    assert public_api(interface.names, modules) == []  # without exports: the module
