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


SIGNED = """\
Create a package `todo`:

- `todo/store.py` defines `TodoStore(path)` and `TodoError(KeyError)`; its methods:
  - `add(title: str) -> int` adds an item;
- `todo/cli.py` defines `main(argv: list[str] | None = None) -> int`, so that
  `main(["add", "milk"])` adds an item, and `render(items, *, width: int)` prints them.
- `parse(text)` is a helper of no named file.
"""


def test_the_signatures_given_for_what_a_named_file_defines() -> None:
    stated = {s.shown: s for s in requirement_interface(SIGNED).signatures}
    # The method is a nested item naming no file, the example call does not parse as
    # parameters, `TodoError(KeyError)` names a base class, and `parse` has no file.
    assert list(stated) == [
        "TodoStore(path)",
        "main(argv: list[str] | None = None)",
        "render(items, *, width: int)",
    ]
    main = stated["main(argv: list[str] | None = None)"]
    assert (main.path, main.name, main.required, main.positional) == ("todo/cli.py", "main", 0, 1)
    render = stated["render(items, *, width: int)"]
    assert (render.required, render.positional, render.keywords) == (1, 1, ("width",))


def test_a_package_file_that_re_exports_both_exports_what_its_modules_are_given() -> None:
    # projects' romans (2026-12-04): "re-exports both" named nothing, so the package file
    # written from the requirement's names was empty and `from romans import to_roman` failed.
    interface = requirement_interface(
        "- `romans/convert.py` defines `to_roman(number: int) -> str` and\n"
        "  `from_roman(text: str) -> int`, raising `ValueError`.\n"
        "- `romans/__main__.py` defines `main(argv)`.\n"
        "- `other/util.py` defines `helper(x)`.\n"
        "- `romans/__init__.py` re-exports both.\n"
    )
    assert interface.exports == ("romans.to_roman", "romans.from_roman")
    modules = {"romans": "romans/__init__.py", "romans.convert": "romans/convert.py"}
    assert public_api(interface.names, modules, interface.exports) == [
        ("romans", "to_roman"),
        ("romans", "from_roman"),
    ]


def test_the_names_a_requirement_says_each_file_defines() -> None:
    interface = requirement_interface(
        "- `shop/errors.py` defines `CartError(ValueError)`; `ValueError` is not its own.\n"
        "- `shop/cart.py` defines `Cart`, `add(sku: str) -> None` and `total()`, raising\n"
        "  `CartError`.\n"
        "- `tests/test_cart.py` defines `test_add()`.\n"
        "- `helpers.py` is a module that defines nothing named here.\n"
    )
    assert interface.definitions == (
        ("shop/errors.py", "CartError"),
        ("shop/cart.py", "Cart"),
        ("shop/cart.py", "add"),
        ("shop/cart.py", "total"),
    )
